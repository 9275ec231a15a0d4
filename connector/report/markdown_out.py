"""summary.md: verdict, counts, top findings and reasons, short enough for a PR comment or chat."""

from __future__ import annotations

import re

from connector.models import Report

from ._changes import change_view
from ._propagation import summary_line
from ._format import duration, is_failure, open_for, ordered, outcome_counts, plural, utc
from ._safe import visible
from ._text import VERDICT_LABEL, outcome_label, reason_text, surface_label

TOP = 10
VERDICT_MARK = {"verified": "✅", "drift": "❌", "inconclusive": "⚠️"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # inline markup only: no line starts in cells


def md(text: str) -> str:
    """Text made inert in Markdown (GitHub renders raw HTML, so angle brackets are escaped too)."""
    text = visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(report: Report) -> str:
    """The report as a short Markdown summary."""
    parts = [_header(report), _reasons(report), _changes(report), _counts(report),
             _propagation(report), _top(report)]
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(report: Report) -> str:
    """Verdict line and run metadata."""
    run = report.run
    label = VERDICT_LABEL[report.verdict]
    failing = sum(1 for f in report.findings if is_failure(f, report))
    lines = [
        f"## {VERDICT_MARK[report.verdict]} Tessian verification: {label}",
        "",
        _headline(report, failing),
        "",
        f"Tenant **{md(run.tenant)}** ({md(run.portal_host)}), {md(run.run_type)} run "
        f"`{md(run.run_id)}`, evaluated {utc(report.evaluated_at)}, "
        f"tessian-connector {md(run.tool_version)}.",
    ]
    return "\n".join(lines)


def _headline(report: Report, failing: int) -> str:
    """One sentence saying what the verdict means for the reader."""
    if report.verdict == "inconclusive":
        return ("**The run could not be trusted: no identity is reported as verified.** "
                "Fix the reasons below and run again.")
    if report.verdict == "drift":
        needs = "needs" if failing == 1 else "need"
        return (f"**{plural(failing, 'finding')} at or above severity {report.policy.fail_level}** "
                f"{needs} action; "
                f"{plural(report.identities_verified, 'identity', 'identities')} verified.")
    if report.identities_verified == 0:  # field lesson 2: no findings must not read as a pass
        return "**Verified, but nothing was compared:** no identity was checked in this run."
    verified = plural(report.identities_verified, "identity", "identities")
    return f"Everything was read completely; {verified} verified."


def _reasons(report: Report) -> str:
    """Why the run is inconclusive, with what to do."""
    if not report.reasons:
        return ""
    lines = ["### Why it is inconclusive", ""]
    for reason in report.reasons:
        what, todo = reason_text(reason.reason)
        where = f" ({surface_label(reason.surface)})" if reason.surface else ""
        lines.append(f"- **{md(what)}**{where} {md(reason.message)} *What to do:* {md(todo)}")
    return "\n".join(lines)


def _changes(report: Report) -> str:
    """New, resolved and changed findings since the last run, most severe first."""
    view = change_view(report)
    if view is None:
        return ""
    lines = ["### Since the last run", "", " ".join(md(s) for s in view.sentences)]
    if view.rows:
        lines += ["", "| Change | Severity | Outcome | Subject | Surface |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {r.kind} | {r.severity} | {md(r.outcome)} | {md(r.subject)} | {r.surface} |"
                  for r in view.rows]
    if view.more:
        lines += ["", f"{view.more} more: `changes` in `report.json`."]
    return "\n".join(lines)


def _counts(report: Report) -> str:
    """Findings per outcome."""
    counts = outcome_counts(report)
    if not counts:
        return "No findings."
    lines = ["| Outcome | Findings |", "| --- | ---: |"]
    lines += [f"| {outcome_label(o)} (`{o}`) | {n} |" for o, n in counts.items()]
    return "\n".join(lines)


def _propagation(report: Report) -> str:
    """One line with the run's propagation figures (none for a spot check: it reads no trail)."""
    if report.propagation is None and report.spot_checks:
        return ""
    return md(summary_line(report.propagation))


def _top(report: Report) -> str:
    """The most severe findings that are not in sync."""
    findings = [f for f in ordered(report.findings) if f.outcome != "in_sync"]
    if not findings:
        return ""
    lines = [f"### Top findings ({min(TOP, len(findings))} of {len(findings)})", "",
             "| Severity | Outcome | Subject | Surface | Details |",
             "| --- | --- | --- | --- | --- |"]
    for f in findings[:TOP]:
        extra = [open_for(f, report)]
        if f.overdue_at and f.outcome == "pending":
            extra.append(f"overdue at {utc(f.overdue_at)}")
        if f.delay is not None:
            extra.append(f"delay {duration(f.delay)}")
        detail = " · ".join([md(f.message)] + [e for e in extra if e])
        lines.append(f"| {f.severity} | {outcome_label(f.outcome)} | {md(f.subject)} | "
                     f"{surface_label(f.surface)} | {detail} |")
    if len(findings) > TOP:
        lines += ["", "All findings: `report.html` and `action-plan.csv` in the bundle."]
    return "\n".join(lines)
