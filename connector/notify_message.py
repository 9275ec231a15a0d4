"""The text of a run's notification: tenant, verdict, why it was sent, the changes, where the
report is. Plain text, bounded (chat services cut or refuse long messages), no secrets: every
value comes from the report, shown printable, and the whole passes the run's redactor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connector.models import FindingChange, Report
from connector.terminal import printable

TOP_NEW = 5
MAX_LINE = 200
MAX_BODY = 1800
_KIND = {"verified": "success", "drift": "failure", "inconclusive": "warning"}


@dataclass(frozen=True)
class Message:
    """One notification: a title, a plain-text body and apprise's notify type."""

    title: str
    body: str
    kind: str  # apprise NotifyType value: success, failure, warning


def compose(
    report: Report, reasons: Sequence[str], location: str, scrub: Callable[[str], str]
) -> Message:
    """The notification of `report`, sent for `reasons`, pointing at the report at `location`."""
    ch = report.changes
    title = f"Tessian {report.run.tenant}: {report.verdict}"
    if ch.new or ch.resolved:
        title += f" ({len(ch.new)} new, {len(ch.resolved)} resolved)"
    lines = [
        f"Tenant: {report.run.tenant} ({report.run.portal_host})",
        _verdict_line(report),
        f"Why this message: {'; '.join(reasons)}",
        f"New: {len(ch.new)} · resolved: {len(ch.resolved)} · changed: {len(ch.changed)}",
        *_top_new(ch.new),
        *_reasons(report),
        f"Report: {location}",
    ]
    body = _bounded([_line(scrub(line)) for line in lines])
    return Message(title=_line(scrub(title)), body=body, kind=_KIND[report.verdict])


def _verdict_line(report: Report) -> str:
    before = report.changes.verdict_before
    if before is None:
        return f"Verdict: {report.verdict} (no previous run)"
    return f"Verdict: {report.verdict} (previous run: {before})"


def _top_new(new: Sequence[FindingChange]) -> list[str]:
    if not new:
        return []
    shown = [f"- {e.severity} {e.outcome.value}: {e.subject} ({e.surface or 'run'})"
             for e in new[:TOP_NEW]]
    more = [f"- … and {len(new) - TOP_NEW} more"] if len(new) > TOP_NEW else []
    return ["New findings:", *shown, *more]


def _reasons(report: Report) -> list[str]:
    if not report.reasons:
        return []
    return ["Inconclusive because:",
            *(f"- {r.reason.value}: {r.message}" for r in report.reasons[:3])]


def _line(text: str) -> str:
    """One printable line, cut to MAX_LINE characters."""
    text = printable(text)
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _bounded(lines: list[str]) -> str:
    """The lines joined, dropping middle lines (never the last, the report's path) past MAX_BODY."""
    body = "\n".join(lines)
    if len(body) <= MAX_BODY:
        return body
    last, kept = lines[-1], []
    budget = MAX_BODY - len(last) - len("\n…\n")
    for line in lines[:-1]:
        if sum(len(k) + 1 for k in kept) + len(line) > budget:
            break
        kept.append(line)
    return "\n".join([*kept, "…", last])
