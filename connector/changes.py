"""What changed since the last run: a pure function of this run's findings and verdict and the
snapshot's history context (no I/O, no clock; models only).

Findings are compared by key with the last conclusive run's findings (`last_findings`), because
only a complete read can show that something went away. Three rules follow from that:
- an inconclusive run resolves nothing: an earlier finding it did not see may simply not have
  been read, so it is counted as `not_confirmed`, never as resolved;
- `unverified` findings are doubt, not drift: they are neither new nor resolved (the run's
  inconclusive reasons say why);
- with no conclusive run to compare with (first run ever, or only inconclusive runs so far),
  every finding is new and `basis` says so.
A finding whose outcome moved for the same subject and surface (pending -> missing, missing ->
excepted) is one `changed` entry rather than one resolved and one new. Spot-check runs (a few
addresses, not a full read) are left out of every comparison.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from connector.models import (
    SEVERITY_RANK,
    ChangeBasis,
    Changes,
    Finding,
    FindingChange,
    HistoryContext,
    Outcome,
    RunSummary,
    Verdict,
)

_NOT_COMPARED = (Outcome.IN_SYNC, Outcome.UNVERIFIED)
Place = tuple[str | None, str]  # (surface, subject)


def compute_changes(
    findings: Sequence[Finding], verdict: Verdict, history: HistoryContext
) -> Changes:
    """New, resolved and changed findings, and the verdict's move, since the earlier runs."""
    runs = [r for r in history.previous_runs if r.run_type != "spot_check"]
    baseline = _last_conclusive(runs)
    now = _comparable(findings)
    before = _comparable(history.last_findings) if baseline else {}
    appeared = [f for k, f in now.items() if k not in before]
    gone = [f for k, f in before.items() if k not in now]
    changed, appeared, gone = _pair(appeared, gone)
    withheld = verdict == "inconclusive"
    previous = runs[-1] if runs else None
    streak_before = _trailing_inconclusive(runs)
    return Changes(
        basis=_basis(runs, baseline),
        compared_with=baseline.run_id if baseline else None,
        compared_verdict=baseline.verdict if baseline else None,
        previous_run_id=previous.run_id if previous else None,
        verdict_before=previous.verdict if previous else None,
        verdict_after=verdict,
        verdict_changed=previous is not None and previous.verdict != verdict,
        new=_ordered(_entry(f) for f in appeared),
        resolved=() if withheld else _ordered(_entry(f) for f in gone),
        changed=_ordered(changed),
        not_confirmed=len(gone) if withheld else 0,
        inconclusive_streak=streak_before + 1 if withheld else 0,
        inconclusive_before=streak_before,
    )


def _comparable(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by key, without those that say nothing about drift (in sync, unverified)."""
    return {f.key: f for f in findings if f.outcome not in _NOT_COMPARED}


def _last_conclusive(runs: Sequence[RunSummary]) -> RunSummary | None:
    return next((r for r in reversed(runs) if r.verdict != "inconclusive"), None)


def _trailing_inconclusive(runs: Sequence[RunSummary]) -> int:
    """How many of the latest runs, counted back from the newest, were inconclusive in a row."""
    count = 0
    for run in reversed(runs):
        if run.verdict != "inconclusive":
            break
        count += 1
    return count


def _basis(runs: Sequence[RunSummary], baseline: RunSummary | None) -> ChangeBasis:
    if baseline is not None:
        return "last_conclusive_run"
    return "no_conclusive_run" if runs else "no_previous_run"


def _pair(
    appeared: list[Finding], gone: list[Finding]
) -> tuple[list[FindingChange], list[Finding], list[Finding]]:
    """One appeared and one gone finding for the same subject and surface: one outcome change.

    Only one-to-one places are paired; anything more tangled stays new and resolved, which is
    still true (each of those keys did appear or go away).
    """
    now_at, then_at = _by_place(appeared), _by_place(gone)
    paired = {p for p in now_at if len(now_at[p]) == 1 and len(then_at.get(p, ())) == 1}
    changed = [_entry(now_at[p][0], then=then_at[p][0]) for p in paired]
    return (changed, [f for f in appeared if _place(f) not in paired],
            [f for f in gone if _place(f) not in paired])


def _place(finding: Finding) -> Place:
    return (finding.surface, finding.subject)


def _by_place(findings: Iterable[Finding]) -> dict[Place, list[Finding]]:
    grouped: dict[Place, list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[_place(f)].append(f)
    return grouped


def _entry(finding: Finding, then: Finding | None = None) -> FindingChange:
    return FindingChange(
        key=finding.key, outcome=finding.outcome, severity=finding.severity,
        subject=finding.subject, surface=finding.surface, message=finding.message,
        previous_outcome=then.outcome if then else None,
        previous_severity=then.severity if then else None,
    )


def worst_rank(entry: FindingChange) -> int:
    """The severity rank of an entry, the worse of its two sides for an outcome change."""
    before = SEVERITY_RANK[entry.previous_severity] if entry.previous_severity else 0
    return max(SEVERITY_RANK[entry.severity], before)


def _ordered(entries: Iterable[FindingChange]) -> tuple[FindingChange, ...]:
    """Most severe first (either side of a change), then by key: deterministic."""
    return tuple(sorted(entries, key=lambda e: (-worst_rank(e), e.key)))
