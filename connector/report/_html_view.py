"""The view model of report.html: every string the template shows, computed from the report.

The template stays free of logic (loops and ifs only) and Jinja2 autoescapes every value here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connector.models import SEVERITY_RANK, Finding, Outcome, Report, SpotCheckResult

from ._evidence import Evidence, evidence
from ._format import (
    delay_stats,
    duration,
    is_failure,
    iso,
    open_for,
    ordered,
    outcome_counts,
    plural,
    read_modes,
    utc,
)
from ._text import (
    OUTCOME_ACTION,
    OUTCOME_MEANING,
    VERDICT_LABEL,
    outcome_label,
    reason_text,
    surface_label,
)

VERDICT_MARK = {"verified": "✓", "drift": "✕", "inconclusive": "?"}


@dataclass(frozen=True)
class Row:
    """One finding as the findings table shows it."""

    finding: Finding
    rank: int
    label: str
    surface: str
    facts: list[tuple[str, str]]
    open_for: str
    open_since: str
    delay: str
    changed_at: str
    todo: str
    evidence: list[Evidence]
    failing: bool


@dataclass
class View:
    """Everything the template needs, beyond the report itself."""

    verdict_label: str
    verdict_mark: str
    headline: str
    reasons: list[dict[str, str]]
    meta: list[tuple[str, str]]
    counts: list[dict[str, str | int]]
    rows: list[Row]
    in_sync: list[Finding]
    outcomes: list[tuple[str, str]]
    spot_checks: list[dict[str, object]] = field(default_factory=list)
    delays: dict[str, str] | None = None
    delay_rows: list[Row] = field(default_factory=list)
    pending: dict[str, str] | None = None
    grace: str = ""


def build_view(report: Report, root: Path | None) -> View:
    """The view model of one report; `root` is the bundle directory holding the evidence."""
    findings = ordered(report.findings)
    rows = [_row(report, f, root) for f in findings if f.outcome != Outcome.IN_SYNC]
    return View(
        verdict_label=VERDICT_LABEL[report.verdict],
        verdict_mark=VERDICT_MARK[report.verdict],
        headline=_headline(report),
        reasons=_reasons(report),
        meta=_meta(report),
        counts=_counts(report),
        rows=rows,
        in_sync=[f for f in findings if f.outcome == Outcome.IN_SYNC],
        outcomes=sorted({(str(r.finding.outcome), r.label) for r in rows}),
        spot_checks=_spot_checks(report, root),
        delays=delay_stats(findings),
        delay_rows=_delay_rows(report, findings),
        pending=_pending(report),
        grace=duration(report.policy.grace_period),
    )


def _headline(report: Report) -> str:
    """One sentence under the verdict saying what it means."""
    failing = sum(1 for f in report.findings if is_failure(f, report))
    if report.verdict == "inconclusive":
        return ("This run cannot be trusted, so no identity is reported as verified. "
                "Fix the reasons below and run again.")
    if report.verdict == "drift":
        return (f"{failing} finding{'s' if failing != 1 else ''} at or above severity "
                f"{report.policy.fail_level} need{'s' if failing == 1 else ''} action; "
                f"{plural(report.identities_verified, 'identity', 'identities')} verified.")
    if report.identities_verified == 0:  # field lesson 2: no findings must not read as a pass
        return "Verified, but nothing was compared: no identity was checked in this run."
    verified = plural(report.identities_verified, "identity", "identities")
    return f"Everything was read completely and {verified} match the identity provider."


def _reasons(report: Report) -> list[dict[str, str]]:
    """Inconclusive reasons in plain words, each with what to do."""
    out = []
    for reason in report.reasons:
        what, todo = reason_text(reason.reason)
        where = surface_label(reason.surface) if reason.surface else ""
        out.append({"code": str(reason.reason), "what": what, "message": reason.message,
                    "todo": todo, "surface": where})
    return out


def _meta(report: Report) -> list[tuple[str, str]]:
    """Run metadata as label/value pairs."""
    run, policy = report.run, report.policy
    modes = read_modes(report.collections)
    sources = ", ".join(f"{surface_label(s)}: {m}" for s, m in modes.items()) or "none"
    meta = [
        ("Tenant", run.tenant), ("Portal host", run.portal_host), ("Run id", run.run_id),
        ("Run type", run.run_type), ("Started", utc(run.started_at)),
        ("Finished", utc(run.finished_at)), ("Evaluated", utc(report.evaluated_at)),
        ("Tool version", f"tessian-connector {run.tool_version}"),
        ("Portal read", sources), ("Identity source", _identity_source(report)),
        ("Policy", f"fail at {policy.fail_level} or above; grace period "
                   f"{duration(policy.grace_period)}; {plural(len(policy.exceptions), 'exception')}"),
    ]
    return meta


def _identity_source(report: Report) -> str:
    """The identity provider read, in one line."""
    src = report.identity_source
    if src is None:
        return "not read"
    state = "complete" if src.complete else "INCOMPLETE"
    count = plural(len(src.identities), "identity", "identities")
    return f"{src.kind} ({src.location}): {count}, {state}"


def _counts(report: Report) -> list[dict[str, str | int]]:
    """Findings per outcome with a severity for the colour of the card."""
    out: list[dict[str, str | int]] = []
    severity = {f.outcome: f.severity for f in report.findings}
    for outcome, n in outcome_counts(report).items():
        out.append({"outcome": str(outcome), "label": outcome_label(outcome), "n": n,
                    "severity": str(severity[outcome]), "meaning": OUTCOME_MEANING[outcome]})
    return out


def _row(report: Report, finding: Finding, root: Path | None) -> Row:
    """One finding with its facts formatted."""
    return Row(
        finding=finding,
        rank=SEVERITY_RANK[finding.severity],
        label=outcome_label(finding.outcome),
        surface=surface_label(finding.surface),
        facts=_facts(finding, report),
        open_for=open_for(finding, report).removeprefix("open for "),
        open_since=iso(finding.open_since),
        delay=duration(finding.delay),
        changed_at=utc(finding.changed_at),
        todo=OUTCOME_ACTION[finding.outcome],
        evidence=[evidence(p, root) for p in finding.evidence],
        failing=is_failure(finding, report),
    )


def _facts(finding: Finding, report: Report) -> list[tuple[str, str]]:
    """Label/value facts under a finding's message (only the known ones)."""
    facts = [("Match rule", finding.match_rule if finding.match_rule != "none" else "")]
    if finding.original_outcome is not None:
        facts.append(("Would be", outcome_label(finding.original_outcome)))
    facts += [("Changed at", utc(finding.changed_at)), ("Overdue at", utc(finding.overdue_at)),
              ("Delay", duration(finding.delay))]
    if finding.exception is not None:
        exc = finding.exception
        state = "expired" if exc.expires <= report.evaluated_at else "expires"
        facts.append(("Exception", f"{exc.owner}: {exc.reason} ({state} {utc(exc.expires)})"))
    facts += sorted(finding.details.items())
    return [(k, v) for k, v in facts if v]


def _spot_checks(report: Report, root: Path | None) -> list[dict[str, object]]:
    """Spot-check results with their screenshots."""
    return [
        {"email": s.email, "surface": surface_label(s.surface),
         "found": "Found" if s.found else "Not found",
         "conclusive": s.conclusive, "message": s.message, "seen": _seen(s),
         "evidence": [evidence(p, root) for p in s.evidence]}
        for s in report.spot_checks
    ]


def _seen(result: SpotCheckResult) -> str:
    """What the portal row showed, in a few words."""
    if result.monitored_user is not None:
        return f"{result.monitored_user.sync_state}, {result.monitored_user.status}"
    if result.portal_user is not None:
        user = result.portal_user
        return f"{user.role}, {user.status}, {user.sign_in_method}"
    if result.api_tokens:
        return "tokens: " + ", ".join(t.name for t in result.api_tokens)
    if result.sign_ins:
        last = result.sign_ins[-1]
        return f"{len(result.sign_ins)} sign-in(s), last {utc(last.timestamp)}"
    return ""


def _delay_rows(report: Report, findings: list[Finding]) -> list[Row]:
    """The ten slowest observed propagations, in sync or not (no evidence read for them)."""
    timed = [f for f in findings if f.delay is not None]
    timed.sort(key=lambda f: (-f.delay.total_seconds() if f.delay else 0.0, f.subject))
    return [_row(report, f, None) for f in timed[:10]]


def _pending(report: Report) -> dict[str, str] | None:
    """How many changes are still within grace, and when the next one becomes overdue."""
    pending = [f for f in report.findings if f.outcome == Outcome.PENDING]
    if not pending:
        return None
    due = sorted(f.overdue_at for f in pending if f.overdue_at is not None)
    verb = "is" if len(pending) == 1 else "are"
    return {"count": f"{plural(len(pending), 'change')} {verb}",
            "next": utc(due[0]) if due else ""}
