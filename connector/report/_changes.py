"""What changed since the last run, as sentences and rows that summary.md and report.html share.

The figures come from `report.changes` (connector.changes); this module only words them.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.models import Changes, FindingChange, Report

from ._format import plural, utc
from ._text import VERDICT_LABEL, outcome_label, surface_label

TOP_CHANGES = 10
KIND_LABEL = {"new": "New", "resolved": "Resolved", "changed": "Changed"}


@dataclass(frozen=True)
class ChangeRow:
    """One new, resolved or changed finding, in words."""

    kind: str
    severity: str
    outcome: str  # "Missing" or, for a change, "Pending → Missing"
    subject: str
    surface: str
    message: str


@dataclass(frozen=True)
class ChangeView:
    """The changes section: sentences first, then the most severe rows."""

    sentences: list[str]
    rows: list[ChangeRow]
    more: int  # rows left out (beyond TOP_CHANGES)


def change_view(report: Report) -> ChangeView | None:
    """The changes of a report in words; None for a report evaluated without them."""
    changes = report.changes
    if changes.basis == "not_computed":
        return None
    entries = [("new", e) for e in changes.new] + [("changed", e) for e in changes.changed] + [
        ("resolved", e) for e in changes.resolved]
    rows = [_row(kind, e) for kind, e in entries]
    return ChangeView(sentences=_sentences(report, changes), rows=rows[:TOP_CHANGES],
                      more=max(0, len(rows) - TOP_CHANGES))


def _sentences(report: Report, changes: Changes) -> list[str]:
    out = [_basis(report, changes), _verdict(changes)]
    if changes.basis == "last_conclusive_run":
        out.append(f"{plural(len(changes.new), 'new finding')}, {len(changes.resolved)} resolved, "
                   f"{len(changes.changed)} changed outcome.")
    if changes.not_confirmed:
        unseen = plural(changes.not_confirmed, "earlier finding was", "earlier findings were")
        out.append(f"Nothing is counted as resolved: the run is inconclusive, and {unseen} "
                   f"not seen again (not confirmed, not resolved).")
    if changes.inconclusive_streak > 1:
        out.append(f"This is inconclusive run {changes.inconclusive_streak} in a row.")
    return [s for s in out if s]


def _basis(report: Report, changes: Changes) -> str:
    if changes.basis == "no_previous_run":
        return "First run for this tenant: nothing to compare with, so every finding is new."
    if changes.basis == "no_conclusive_run":
        return ("No earlier run was conclusive: nothing to compare findings with, so every "
                "finding is new.")
    when = next((r.finished_at for r in report.history if r.run_id == changes.compared_with), None)
    verdict = VERDICT_LABEL[changes.compared_verdict] if changes.compared_verdict else "?"
    at = f", {utc(when)}" if when else ""
    run = changes.compared_with
    return f"Findings compared with the last conclusive run {run} ({verdict}{at})."


def _verdict(changes: Changes) -> str:
    if changes.verdict_before is None or changes.verdict_after is None:
        return ""
    before, after = VERDICT_LABEL[changes.verdict_before], VERDICT_LABEL[changes.verdict_after]
    if changes.verdict_changed:
        return f"Verdict changed: {before} → {after} (previous run {changes.previous_run_id})."
    return f"Verdict unchanged since the previous run: {after}."


def _row(kind: str, entry: FindingChange) -> ChangeRow:
    outcome = outcome_label(entry.outcome)
    if entry.previous_outcome is not None:
        outcome = f"{outcome_label(entry.previous_outcome)} → {outcome}"
    return ChangeRow(kind=KIND_LABEL[kind], severity=str(entry.severity), outcome=outcome,
                     subject=entry.subject, surface=surface_label(entry.surface),
                     message=entry.message)
