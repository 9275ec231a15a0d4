"""`check EMAIL…`: a spot check ("did these leavers really lose Tessian?") with evidence.

Each address is searched on User Monitoring and Portal Users. The expected state is `--expect`
when given, else what the configured identity source says about the address (unknown to the
provider means it should be absent). Exit 0 as expected, 1 not as expected, 3 not conclusive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from connector.bundle import (
    Bundle,
    create_bundle,
    new_run_id,
    settle_trace,
    tool_version,
    write_run_meta,
)
from connector.cli import exit_code_for_verdict
from connector.commands.context import Wiring, prepare
from connector.commands.identities import read_identities
from connector.commands.portal import error_kind, require_url, session
from connector.commands.spot_rules import (
    Expectation,
    addresses_for,
    expectation_for,
    find_identity,
    judge,
    merge_results,
    verdict_of,
)
from connector.errors import PortalError, SignInError
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


def execute(args: argparse.Namespace) -> int:
    """Spot-check the given addresses and write a bundle with the evidence."""
    w = prepare(args)
    return run_check(w, args.emails, args.expect)


def run_check(w: Wiring, emails: Sequence[str], expect: str | None,
              out: TextIO | None = None) -> int:
    """Search each address, judge it against its expected state, and render a bundle."""
    url = require_url(w)
    source = read_identities(w) if expect is None else None
    run = RunInfo(run_id=new_run_id(), tool_version=tool_version(), tenant=w.tenant,
                  portal_host=urlsplit(url).netloc, run_type="spot_check", started_at=utc_now())
    expectations = {e: expectation_for(e, expect, source) for e in emails}
    addresses = {e: addresses_for(e, find_identity(e, source), w.policy.domain_map)
                 for e in emails}
    with tenant_lock(w.state_dir, w.tenant, run_id=run.run_id):
        bundle = create_bundle(w.reports_dir, w.tenant, run.started_at, run.run_id)
        searched, reasons = _search(w, list(dict.fromkeys(a for e in emails for a in addresses[e])),
                                    bundle)
        results = _per_person(addresses, searched)
        report = _report(w, run, results, reasons, expectations, source)
        from connector.report import render_bundle

        render_bundle(report, bundle.root)
        settle_trace(bundle, w.browser.trace, report.verdict)
        code = exit_code_for_verdict(report.verdict)
        write_run_meta(bundle, report.run, report=report, exit_code=code, command="check")
    _print(bundle, report, out or sys.stdout)
    return code


def _search(
    w: Wiring, emails: list[str], bundle: Bundle
) -> tuple[list[SpotCheckResult], list[ReasonDetail]]:
    from connector.reconcile import ERROR_REASON
    from flows.spot_check import spot_check

    try:
        with session(w, bundle.evidence, bundle.trace_path) as s:
            results = spot_check(s, emails, bundle.evidence)
            # "on-failure": a trace only for a search that could not be judged
            s.keep_trace = w.browser.trace == "on" or not all(r.conclusive for r in results)
            blocked = _blocked_writes(s.violation_errors())
    except (SignInError, PortalError) as exc:
        reason = ERROR_REASON[error_kind(exc)]
        return [], [ReasonDetail(reason=reason, message=f"{exc.message} ({exc.remedy})")]
    return _relative_evidence(results, bundle), blocked


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
        findings.extend(judge(result, expectations.get(result.email) or
                              expectation_for(result.email, "absent", None)))
    finished = utc_now()
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.outcome.value] = counts.get(f.outcome.value, 0) + 1
    return Report(
        run=run.model_copy(update={"finished_at": finished}),
        verdict=verdict_of(findings, results, reasons), reasons=tuple(reasons), counts=counts,
        findings=tuple(findings), identity_source=source, policy=w.policy,
        spot_checks=tuple(results), evaluated_at=finished,
    )


def _print(bundle: Bundle, report: Report, out: TextIO) -> None:
    print(bundle.html_path, file=out)
    for f in report.findings:
        print(f"{f.subject}\t{f.surface}\t{f.outcome.value}\t{f.message}", file=out)
    for r in report.reasons:
        print(f"reason: {r.reason.value}: {r.message}", file=out)
    print(f"verdict: {report.verdict}", file=out)
    if bundle.trace_path.exists():
        print(f"trace:   playwright show-trace {bundle.trace_path}", file=out)
