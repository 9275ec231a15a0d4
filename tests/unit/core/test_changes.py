"""What changed since the last run: new, resolved and changed findings, verdict moves, streaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.changes import compute_changes
from connector.models import (
    DEFAULT_SEVERITY,
    Finding,
    HistoryContext,
    Outcome,
    Policy,
    RunSummary,
    RunType,
    Verdict,
)
from connector.reconcile import evaluate

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def finding(outcome: Outcome, subject: str, surface: str = "user_monitoring") -> Finding:
    """A finding with the standard key and the outcome's default severity."""
    return Finding(key=f"{outcome.value}:{surface}:{subject}", outcome=outcome,
                   severity=DEFAULT_SEVERITY[outcome], subject=subject,
                   surface=surface, message=f"{outcome.value} {subject}")  # type: ignore[arg-type]


def runs(*verdicts: Verdict, run_type: RunType = "scheduled") -> tuple[RunSummary, ...]:
    """Earlier runs with these verdicts, oldest first, an hour apart."""
    return tuple(RunSummary(run_id=f"r{i}", finished_at=T0 + timedelta(hours=i), verdict=v,
                            run_type=run_type) for i, v in enumerate(verdicts))


def history(previous: tuple[RunSummary, ...], last: list[Finding]) -> HistoryContext:
    """A history context as History.context would hand it over."""
    return HistoryContext(previous_runs=previous, last_findings=tuple(last))


MISSING_ANN = finding(Outcome.MISSING, "ann@x.com")
ORPHAN_BOB = finding(Outcome.ORPHAN, "bob@x.com")
RETAINED_CY = finding(Outcome.ACCESS_RETAINED, "cy@x.com", "portal_users")


def test_first_run_lists_every_finding_as_new() -> None:
    """With no earlier run, every finding is new and the basis says there was nothing before."""
    changes = compute_changes([ORPHAN_BOB, MISSING_ANN], "drift", HistoryContext())
    assert changes.basis == "no_previous_run"
    assert [c.key for c in changes.new] == [MISSING_ANN.key, ORPHAN_BOB.key]  # most severe first
    assert (changes.resolved, changes.verdict_before, changes.verdict_changed) == ((), None, False)
    assert changes.compared_with is None


def test_conclusive_run_reports_new_and_resolved_by_key() -> None:
    """Absent from the last conclusive run: new; gone after a complete read: resolved."""
    ctx = history(runs("drift"), [MISSING_ANN, ORPHAN_BOB])
    changes = compute_changes([ORPHAN_BOB, RETAINED_CY], "drift", ctx)
    assert [c.key for c in changes.new] == [RETAINED_CY.key]
    assert [(c.key, c.outcome, c.severity, c.subject) for c in changes.resolved] == [
        (MISSING_ANN.key, Outcome.MISSING, DEFAULT_SEVERITY[Outcome.MISSING], "ann@x.com")]
    assert (changes.basis, changes.compared_with, changes.verdict_changed) == (
        "last_conclusive_run", "r0", False)


def test_inconclusive_run_resolves_nothing() -> None:
    """An earlier finding an inconclusive run did not see is not confirmed, never resolved."""
    ctx = history(runs("drift"), [MISSING_ANN, ORPHAN_BOB])
    changes = compute_changes([RETAINED_CY], "inconclusive", ctx)
    assert changes.resolved == ()
    assert changes.not_confirmed == 2
    assert [c.key for c in changes.new] == [RETAINED_CY.key]  # seen on a complete read: real


def test_unverified_findings_are_neither_new_nor_resolved() -> None:
    """Doubt (unverified) is not drift: it never shows as a new finding or as a resolution."""
    doubt = finding(Outcome.UNVERIFIED, "ann@x.com")
    changes = compute_changes([doubt], "inconclusive", history(runs("verified"), []))
    assert (changes.new, changes.resolved, changes.changed) == ((), (), ())


def test_outcome_move_for_one_subject_is_one_change() -> None:
    """pending -> missing for the same address is one changed entry, with both outcomes."""
    pending = finding(Outcome.PENDING, "ann@x.com")
    changes = compute_changes([MISSING_ANN], "drift", history(runs("verified"), [pending]))
    assert (changes.new, changes.resolved) == ((), ())
    [moved] = changes.changed
    assert (moved.previous_outcome, moved.outcome, moved.key) == (
        Outcome.PENDING, Outcome.MISSING, MISSING_ANN.key)


def test_verdict_change_is_against_the_previous_run_of_any_verdict() -> None:
    """verdict_before is the last run's verdict; findings still compare with the last conclusive."""
    ctx = history(runs("verified", "inconclusive"), [])
    changes = compute_changes([MISSING_ANN], "drift", ctx)
    assert (changes.verdict_before, changes.verdict_after, changes.verdict_changed) == (
        "inconclusive", "drift", True)
    assert (changes.compared_with, changes.compared_verdict) == ("r0", "verified")


def test_only_inconclusive_runs_before_means_no_conclusive_basis() -> None:
    """Without any conclusive run, findings are all new and the basis names the reason."""
    changes = compute_changes([ORPHAN_BOB], "drift", history(runs("inconclusive"), [ORPHAN_BOB]))
    assert changes.basis == "no_conclusive_run"
    assert [c.key for c in changes.new] == [ORPHAN_BOB.key]


def test_inconclusive_streak_counts_runs_in_a_row() -> None:
    """The streak counts this run and the inconclusive runs right before it, not older ones."""
    ctx = history(runs("inconclusive", "verified", "inconclusive", "inconclusive"), [])
    assert compute_changes([], "inconclusive", ctx).inconclusive_streak == 3
    conclusive = compute_changes([], "verified", ctx)
    assert (conclusive.inconclusive_streak, conclusive.inconclusive_before) == (0, 2)


def test_spot_checks_are_left_out_of_comparisons() -> None:
    """A spot check (a few addresses) is neither the previous run nor the baseline."""
    spot = RunSummary(run_id="spot", finished_at=T0 + timedelta(days=1), verdict="inconclusive",
                      run_type="spot_check")
    changes = compute_changes([], "verified", history((*runs("drift"), spot), [ORPHAN_BOB]))
    assert (changes.previous_run_id, changes.verdict_before) == ("r0", "drift")
    assert [c.key for c in changes.resolved] == [ORPHAN_BOB.key]


def test_evaluate_fills_changes_from_the_snapshot_history(build) -> None:  # noqa: ANN001
    """reconcile.evaluate puts the changes in the report, computed from the snapshot alone."""
    ctx = history(runs("drift"), [finding(Outcome.ORPHAN, "gone@x.com")])
    snapshot = build.snapshot([build.identity("ann@x.com")], [build.row("ann@x.com")],
                              history=ctx)
    report = evaluate(snapshot, Policy())
    assert report.verdict == "verified"
    assert [c.subject for c in report.changes.resolved] == ["gone@x.com"]
    assert (report.changes.verdict_before, report.changes.verdict_changed) == ("drift", True)


OUTCOMES = st.sampled_from([o for o in Outcome if o != Outcome.IN_SYNC])
SUBJECTS = st.sampled_from(["a@x.com", "b@x.com", "c@x.com"])
FINDINGS = st.lists(st.builds(finding, OUTCOMES, SUBJECTS), max_size=6)
VERDICTS = st.sampled_from(["verified", "drift", "inconclusive"])


@settings(max_examples=200, deadline=None)
@given(now=FINDINGS, then=FINDINGS, verdict=VERDICTS, earlier=st.lists(VERDICTS, max_size=4))
def test_changes_account_for_every_key(now, then, verdict, earlier) -> None:  # noqa: ANN001
    """New keys were not seen before, resolved ones are not seen now, and nothing is lost."""
    ctx = history(runs(*earlier), then)
    changes = compute_changes(now, verdict, ctx)
    baseline = any(v != "inconclusive" for v in earlier)
    before = {f.key for f in then if f.outcome != Outcome.UNVERIFIED} if baseline else set()
    current = {f.key for f in now if f.outcome != Outcome.UNVERIFIED}
    new, resolved = {c.key for c in changes.new}, {c.key for c in changes.resolved}
    moved_to = {c.key for c in changes.changed}
    assert new | moved_to == current - before and not new & moved_to
    assert resolved <= before - current
    if verdict == "inconclusive":
        assert resolved == set()
        assert changes.not_confirmed + len(changes.changed) == len(before - current)
    else:
        assert len(resolved) + len(changes.changed) == len(before - current)
