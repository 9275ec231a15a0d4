"""The history, on SQLite and PostgreSQL alike: runs per tenant, baselines from complete runs,
open findings and their age."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.history import History, describe_age
from connector.models import HistoryContext, Outcome
from tests.history_stores import history_report

D = timedelta(days=1)


_report = history_report


def test_empty_history_gives_empty_context(tmp_path: Path) -> None:
    """A new store knows nothing: no runs, no baseline, nothing open; the file is created."""
    history = History.in_state_dir(tmp_path / ".state")
    assert history.context("acme") == HistoryContext()
    assert history.runs("acme") == [] and history.open_findings("acme") == []
    assert (tmp_path / ".state" / "history.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / ".state").stat().st_mode & 0o777 == 0o700


def test_a_new_store_knows_nothing(new_history) -> None:  # noqa: ANN001
    """On either backend, an empty store gives an empty context, no runs and nothing open."""
    history = new_history()
    assert history.context("acme") == HistoryContext() and history.baseline("acme") is None
    assert history.runs("acme") == [] and history.open_findings("acme") == []


def test_runs_are_listed_newest_first_per_tenant(build, new_history) -> None:  # noqa: ANN001
    """runs() returns the tenant's runs only, newest first, limited."""
    history = new_history()
    for day in (0, 2, 1):
        history.record(_report(build, day=day))
    history.record(_report(build, day=5, tenant="other"))
    assert [r.run_id for r in history.runs("acme", limit=2)] == ["acme-2", "acme-1"]
    assert history.runs("acme")[0].counts["orphan"] == 1


def test_recording_a_run_twice_replaces_it(build, new_history) -> None:  # noqa: ANN001
    """Re-recording one run id (e.g. `report --from`) does not duplicate it."""
    history = new_history()
    history.record(_report(build, day=0))
    history.record(_report(build, day=0, orphans=()))
    (run,) = history.runs("acme")
    assert run.counts["orphan"] == 0


def test_baseline_comes_from_the_last_complete_run(build, new_history) -> None:  # noqa: ANN001
    """An inconclusive run never becomes the shrink guard's baseline."""
    history = new_history()
    history.record(_report(build, day=0, orphans=("y@x.com", "z@x.com")))
    history.record(_report(build, day=1, broken=True, orphans=()))
    context = history.context("acme")
    assert context.baseline_counts == {"user_monitoring": 3, "portal_users": 0, "identities": 1}
    assert [r.run_id for r in context.previous_runs] == ["acme-0", "acme-1"]  # oldest first


def test_open_since_survives_across_runs(build, new_history) -> None:  # noqa: ANN001
    """A finding open in consecutive runs keeps the time it was first seen."""
    history = new_history()
    history.record(_report(build, day=0))
    second = _report(build, day=3, history=history.context("acme"))
    (orphan,) = [f for f in second.findings if f.outcome == Outcome.ORPHAN]
    assert orphan.open_since == build.now
    history.record(second)
    ((finding, since),) = history.open_findings("acme")
    assert (finding.key, since) == ("orphan:user_monitoring:z@x.com", build.now)
    assert describe_age(since, build.now + 3 * D) == "3 days"


def test_a_closed_finding_starts_over(build, new_history) -> None:  # noqa: ANN001
    """A finding that went away and came back is open since its return."""
    history = new_history()
    history.record(_report(build, day=0))
    # 2 rows -> 1 row would trip the shrink guard; this test is about continuity only.
    history.record(_report(build, day=1, orphans=(), history=history.context("acme"),
                           shrink_guard_share=1.0))
    assert history.runs("acme", 1)[0].verdict == "verified"
    third = _report(build, day=2, history=history.context("acme"))
    (orphan,) = [f for f in third.findings if f.outcome == Outcome.ORPHAN]
    assert orphan.open_since == build.now + 2 * D


@pytest.mark.parametrize(("age", "text"), [
    (timedelta(days=1, hours=5), "1 day"), (timedelta(hours=5), "5 hours"),
    (timedelta(minutes=1), "1 minute"), (timedelta(seconds=5), "less than a minute")])
def test_describe_age(build, age: timedelta, text: str) -> None:  # noqa: ANN001
    """Ages read like 'not removed for 3 days'."""
    assert describe_age(build.now - age, build.now) == text


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    """A file that is not SQLite is reported with a remedy, not a traceback."""
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="unusable") as caught:
        History(path).runs("acme")
    assert "Move the file aside" in caught.value.remedy
