"""History stays bounded: only findings that are not in_sync are stored, and old runs are pruned
(never the last conclusive run, which the shrink guard compares with)."""

from __future__ import annotations

from datetime import timedelta

from connector.history import TREND_RUNS
from connector.models import CollectionErrorKind, Outcome, Policy, Report, RunInfo
from connector.reconcile import evaluate
from tests.history_stores import count_rows

D = timedelta(days=1)


def _report(build, *, day: int, in_sync: int = 1, broken: bool = False,  # noqa: ANN001
            hours: int = 0) -> Report:
    """A run `day` days (plus `hours`) after the builders' clock: `in_sync` healthy identities,
    one orphan row, and an unreadable User Monitoring when `broken`."""
    emails = [f"u{i}@x.com" for i in range(in_sync)]
    rows = [*(build.row(e) for e in emails), build.row("z@x.com")]
    collections = None
    if broken:
        collections = [build.collection("user_monitoring", 1, complete=False,
                                        error=CollectionErrorKind.TOTAL_CHANGED),
                       build.collection("portal_users", 0)]
    snapshot = build.snapshot([build.identity(e) for e in emails], rows, collections=collections)
    at = build.now + day * D + timedelta(hours=hours)
    run = RunInfo(run_id=f"acme-{day}-{hours}", tool_version="t", tenant="acme", portal_host="h",
                  started_at=at - timedelta(minutes=2), finished_at=at)
    return evaluate(snapshot.model_copy(update={"run": run}), Policy())


def test_in_sync_findings_are_not_stored(build, new_history) -> None:  # noqa: ANN001
    """A run of 1,000 in_sync identities stores as many finding rows as a run of one."""
    small, large = new_history("small"), new_history("large")
    small.record(_report(build, day=0, in_sync=1))
    report = _report(build, day=0, in_sync=1000)
    assert report.counts["in_sync"] == 1000
    large.record(report)
    assert count_rows(small, "findings") == count_rows(large, "findings") == 1
    assert large.runs("acme")[0].counts["in_sync"] == 1000  # the trend keeps the counts


def test_stored_findings_read_back_unchanged(build, new_history) -> None:  # noqa: ANN001
    """Findings stored without their default values read back equal to the report's."""
    history = new_history()
    report = _report(build, day=0)
    history.record(report)
    ((finding, _),) = history.open_findings("acme")
    assert finding == next(f for f in report.findings if f.outcome == Outcome.ORPHAN)


def test_prune_removes_old_runs_and_their_findings(build, new_history) -> None:  # noqa: ANN001
    """Runs finished before the horizon go with their finding rows; later ones stay."""
    history = new_history()
    for day in range(5):
        history.record(_report(build, day=day))
    assert history.prune("acme", build.now + 2 * D) == 2
    assert [r.run_id for r in history.runs("acme")] == ["acme-4-0", "acme-3-0", "acme-2-0"]
    assert count_rows(history, "findings") == 3


def test_prune_keeps_the_baseline_run(build, new_history) -> None:  # noqa: ANN001
    """The last conclusive run survives any horizon, so the shrink guard keeps its baseline."""
    history = new_history()
    history.record(_report(build, day=0, in_sync=3))
    for day in (1, 2):
        history.record(_report(build, day=day, broken=True))
    before = history.context("acme").baseline_counts
    assert history.prune("acme", build.now + 10 * D) == 2
    assert [r.run_id for r in history.runs("acme")] == ["acme-0-0"]
    assert history.context("acme").baseline_counts == before == {
        "user_monitoring": 4, "portal_users": 0, "identities": 3}
    assert [f.key for f, _ in history.open_findings("acme")] == ["orphan:user_monitoring:z@x.com"]


def test_prune_leaves_other_tenants_alone(build, new_history) -> None:  # noqa: ANN001
    """Pruning one tenant deletes none of another tenant's runs."""
    history = new_history()
    report = _report(build, day=0)
    other = report.model_copy(update={"run": report.run.model_copy(
        update={"tenant": "globex", "run_id": "globex-0"})})
    for r in (report, other, _report(build, day=1)):
        history.record(r)
    assert history.prune("acme", build.now + 5 * D) == 1
    assert [r.run_id for r in history.runs("globex")] == ["globex-0"]


def test_baseline_outlives_the_trend_window(build, new_history) -> None:  # noqa: ANN001
    """After more inconclusive runs than the trend shows, the shrink guard still has a baseline."""
    history = new_history()
    history.record(_report(build, day=0, in_sync=3))
    for hour in range(1, TREND_RUNS + 2):
        history.record(_report(build, day=0, hours=hour, broken=True))
    context = history.context("acme")
    assert "acme-0-0" not in [r.run_id for r in context.previous_runs]
    assert context.baseline_counts["identities"] == 3
