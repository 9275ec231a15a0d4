"""`check EMAIL…`: a spot check ("did these leavers really lose Tessian?") with evidence.

Addresses come from the arguments, `-` (stdin) and `@FILE` (see check_inputs), all validated
before anything is read. Each is searched on User Monitoring and Portal Users; API Tokens says
which tokens it created and, for a leaver, the Audit Trail whether it signed in after leaving.
The expected state is `--expect` when given, else what the configured identity source says
about the address; an address the provider does not know has none, so it is never vouched for
(inconclusive, with a close match suggested when one looks like a typo). The report carries only the identities asked
about, never the whole export. Exit 0 as expected, 1 not as expected, 3 not conclusive.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from connector.bundle import (
    Bundle,
    create_bundle,
    new_run_id,
    settle_trace,
    tool_version,
    write_run_meta,
)
from connector.cli import exit_code_for_verdict
from connector.commands.check_inputs import read_batch
from connector.commands.context import Wiring, prepare
from connector.commands.identities import read_identities
from connector.commands.portal import error_kind, read_options, require_url, session
from connector.commands.spot_rules import (
    Expectation,
    addresses_for,
    asked_addresses,
    expectation_for,
    find_identity,
    judge,
    merge_results,
    minimal_policy,
    minimal_source,
    unknown_reason,
    verdict_of,
)
from connector.commands.spot_surfaces import (
    SurfaceRead,
    audit_since,
    judge_surface,
    left_at,
    surface_answers,
)
from connector.errors import ConfigError, PortalError, SignInError
from connector.lock import tenant_lock
from connector.models import (
    CollectionError,
    Finding,
    InconclusiveReason,
    IdentitySource,
    ReasonDetail,
    Report,
    RunInfo,
    SpotCheckResult,
    utc_now,
)
from connector.redaction import host_of
from connector.terminal import printable


def execute(args: argparse.Namespace) -> int:
    """Spot-check the given addresses and write a bundle with the evidence."""
    emails = read_batch(args.emails, sys.stdin)  # a bad address stops here: nothing read yet
    w = prepare(args)
    return run_check(w, emails, args.expect, as_json=bool(getattr(args, "json_out", False)))


def run_check(w: Wiring, emails: Sequence[str], expect: str | None,
              out: TextIO | None = None, *, as_json: bool = False) -> int:
    """Search each address, judge it against its expected state, and render a bundle."""
    url = require_url(w)
    source = _expected_state(w, expect)
    run = RunInfo(run_id=new_run_id(), tool_version=tool_version(), tenant=w.tenant,
                  portal_host=host_of(url), run_type="spot_check", started_at=utc_now())
    domain_map = w.policy.domain_map
    expectations = {e: expectation_for(e, expect, source, domain_map) for e in emails}
    addresses = {e: addresses_for(e, find_identity(e, source, domain_map), domain_map)
                 for e in emails}
    left = {e: left_at(find_identity(e, source, domain_map), expectations[e]) for e in emails}
    with tenant_lock(w.state_dir, w.tenant, run_id=run.run_id):
        bundle = create_bundle(w.reports_dir, w.tenant, run.started_at, run.run_id)
        searched, reasons, read = _search(
            w, list(dict.fromkeys(a for e in emails for a in addresses[e])), bundle,
            audit_since(left.values()))
        results = _per_person(addresses, searched) + surface_answers(addresses, left, read)
        reasons += _identity_reasons(expectations, source, expect)
        asked_only = minimal_source(source, expectations, domain_map)  # never the whole export
        report = _report(w, run, results, reasons, expectations, asked_only)
        from connector.report import render_bundle

        render_bundle(report, bundle.root)
        settle_trace(bundle, w.browser.trace, report.verdict)
        _record(w, report)
        code = exit_code_for_verdict(report.verdict)
        write_run_meta(bundle, report.run, report=report, exit_code=code, command="check")
    if as_json:
        _print_json(bundle, report, expectations, code, out or sys.stdout)
    else:
        _print(bundle, report, expectations, out or sys.stdout)
    return code


def _record(w: Wiring, report: Report) -> None:
    """Into history, as a spot check: listed by `history`, never a baseline or part of a trend.
    The answer stands without it (it was read and judged): a store that fails is a warning."""
    from connector.commands.history_store import history_of
    from connector.logging import get_logger

    try:
        history_of(w).record(report)
    except ConfigError as exc:
        get_logger("connector.check").warning("spot check not recorded in history",
                                              error=str(exc), remedy=exc.remedy)


def _expected_state(w: Wiring, expect: str | None) -> IdentitySource | None:
    """The identity source; with --expect only when one is configured (to flag unknown ones)."""
    if expect is None or w.idp.kind or w.idp.file:
        return read_identities(w)
    return None


def _identity_reasons(expectations: dict[str, Expectation], source: IdentitySource | None,
                      expect: str | None) -> list[ReasonDetail]:
    """Without --expect: a provider read that was incomplete, and each address it does not know."""
    if expect is not None or source is None:
        return []  # --expect states the expectation; the provider only annotates it
    reasons = [] if source.complete else [ReasonDetail(
        reason=InconclusiveReason.PROVIDER_FAILED,
        message="; ".join(source.errors) or "the identity provider was not read completely")]
    return reasons + [r for e in expectations.values()
                      if (r := unknown_reason(e, source.location)) is not None]


def _search(
    w: Wiring, emails: list[str], bundle: Bundle, since: datetime | None
) -> tuple[list[SpotCheckResult], list[ReasonDetail], SurfaceRead | None]:
    """The searches, then API Tokens and (for leavers, from `since`) the Audit Trail."""
    from connector.reconcile import ERROR_REASON
    from flows.collect import collect
    from flows.spot_check import spot_check

    try:
        with session(w, bundle.evidence, bundle.trace_path) as s:
            results = spot_check(s, emails, bundle.evidence)
            surfaces = ("api_tokens", "audit_trail") if since else ("api_tokens",)
            read = collect(s, replace(read_options(w, surfaces), audit_since=since))
            # "on-failure": a trace only for a search or a read that could not be judged
            s.keep_trace = w.browser.trace == "on" or not (
                all(r.conclusive for r in results) and all(c.complete for c in read.collections))
            blocked = _blocked_writes(s.violation_errors())
    except (SignInError, PortalError) as exc:
        reason = ERROR_REASON[error_kind(exc)]
        return [], [ReasonDetail(reason=reason, message=f"{exc.message} ({exc.remedy})")], None
    return _relative_evidence(results, bundle), blocked, read


def _per_person(addresses: dict[str, tuple[str, ...]],
                searched: list[SpotCheckResult]) -> list[SpotCheckResult]:
    """One result per asked address and surface, merged from the searches of all its addresses."""
    by_search = {(r.email.casefold(), r.surface): r for r in searched}
    merged = []
    for email, names in addresses.items():
        for surface in dict.fromkeys(r.surface for r in searched):
            found = [by_search[k] for n in names if (k := (n.casefold(), surface)) in by_search]
            merged.append(merge_results(email, found) if found else SpotCheckResult(
                email=email, surface=surface, found=False, conclusive=False,
                message="not searched"))
    return merged


def _blocked_writes(errors: Sequence[CollectionError]) -> list[ReasonDetail]:
    """One read_only_violation reason per distinct write the guard blocked during the check."""
    messages = dict.fromkeys(e.message for e in errors)
    return [ReasonDetail(reason=InconclusiveReason.READ_ONLY_VIOLATION, message=m)
            for m in messages]


def _relative_evidence(results: list[SpotCheckResult], bundle: Bundle) -> list[SpotCheckResult]:
    """Evidence paths relative to the bundle (the renderers resolve them from there)."""
    root = bundle.root.resolve()

    def rel(p: str) -> str:
        try:
            return Path(p).resolve().relative_to(root).as_posix()
        except ValueError:
            return p

    return [r.model_copy(update={"evidence": tuple(rel(p) for p in r.evidence)}) for r in results]


def _report(
    w: Wiring, run: RunInfo, results: list[SpotCheckResult], reasons: list[ReasonDetail],
    expectations: dict[str, Expectation], source: IdentitySource | None,
) -> Report:
    findings: list[Finding] = []
    for result in results:
        rule = judge if result.surface in ("user_monitoring", "portal_users") else judge_surface
        findings.extend(rule(result, expectations.get(result.email) or
                             expectation_for(result.email, "absent", None)))
    finished = utc_now()
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.outcome.value] = counts.get(f.outcome.value, 0) + 1
    return Report(
        run=run.model_copy(update={"finished_at": finished}),
        verdict=verdict_of(findings, results, reasons), reasons=tuple(reasons), counts=counts,
        findings=tuple(findings), identity_source=source,
        policy=minimal_policy(w.policy, asked_addresses(expectations, source, w.policy.domain_map)),
        spot_checks=tuple(results), evaluated_at=finished,
    )


def _print(bundle: Bundle, report: Report, expectations: dict[str, Expectation],
           out: TextIO) -> None:
    print(bundle.html_path, file=out)
    for f in report.findings:
        # portal text may hold escapes or tabs: each field stays one inert field
        print(f"{printable(f.subject)}\t{f.surface}\t{f.outcome.value}\t{printable(f.message)}",
              file=out)
    for r in report.reasons:
        print(f"reason: {r.reason.value}: {printable(r.message)}", file=out)
    for e in expectations.values():
        if e.identity != "known" and e.claim:  # judged by --expect: still say who is unknown
            print(f"note: {printable(e.email)}: identity {e.identity}"
                  + (f" (did you mean {printable(e.suggestion)}?)" if e.suggestion else ""),
                  file=out)
    print(f"verdict: {report.verdict}", file=out)
    if bundle.trace_path.exists():
        print(f"trace:   playwright show-trace {bundle.trace_path}", file=out)


JSON_FORMAT = "tessian-connector/check/1"


def _print_json(bundle: Bundle, report: Report, expectations: dict[str, Expectation],
                code: int, out: TextIO) -> None:
    """One JSON document on stdout (the shape `check --help` documents)."""
    document = {
        "format": JSON_FORMAT,
        "verdict": report.verdict,
        "exit_code": code,
        "bundle": str(bundle.root),
        "report": str(bundle.report_path),
        "trace": str(bundle.trace_path) if bundle.trace_path.exists() else None,
        "reasons": [{"reason": r.reason.value, "message": r.message} for r in report.reasons],
        "addresses": [_address_json(e, report, bundle) for e in expectations.values()],
    }
    # ASCII only: a hostile name (bidi controls, escapes) reaches a terminal as inert \u escapes
    print(json.dumps(document, indent=2), file=out)


def _address_json(expected: Expectation, report: Report, bundle: Bundle) -> dict[str, object]:
    findings = {f.surface: f for f in report.findings if f.subject == expected.email}
    checks = {c.surface: c for c in report.spot_checks if c.email == expected.email}
    return {
        "address": expected.email,
        "identity": expected.identity,
        "identity_id": expected.identity_id,
        "did_you_mean": expected.suggestion,
        "expected": _expected_json(expected),
        "surfaces": {s: _surface_json(c, findings.get(s), bundle) for s, c in checks.items()},
    }


def _expected_json(expected: Expectation) -> dict[str, object] | None:
    """What the address should look like (None: nothing says, so it cannot be verified)."""
    if not expected.claim:
        return None
    return {"monitored": expected.monitored, "portal_access": expected.portal_allowed,
            "leaver": expected.leaver, "why": expected.why}


def _surface_json(check: SpotCheckResult, finding: Finding | None,
                  bundle: Bundle) -> dict[str, object]:
    state = "inconclusive" if not check.conclusive else "found" if check.found else "absent"
    return {
        "state": state,
        "outcome": finding.outcome.value if finding else None,
        "message": finding.message if finding else check.message,
        "row": _row_json(check),
        "evidence": [str(bundle.root / p) for p in check.evidence],
    }


def _row_json(check: SpotCheckResult) -> dict[str, object] | None:
    """The matched row, minimal: the address and the state that decides the outcome."""
    if check.monitored_user is not None:
        m = check.monitored_user
        return {"address": m.address, "sync_state": m.sync_state, "status": m.status}
    if check.portal_user is not None:
        p = check.portal_user
        return {"email": p.email, "role": p.role, "status": p.status,
                "sign_in_method": p.sign_in_method}
    if check.api_tokens or check.sign_ins:  # the rows the answer rests on
        return {"tokens": [t.model_dump(mode="json") for t in check.api_tokens],
                "sign_ins": [e.model_dump(mode="json") for e in check.sign_ins]}
    return None
