"""What history stores beyond counts (run type, propagation, the baseline's findings), spot checks
kept apart from baselines and trends, on SQLite and PostgreSQL alike; an SQLite file of an
earlier version migrated in place; PostgreSQL failures as one clear line naming history_url."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.errors import ConfigError
from connector.history import History, open_history
from connector.models import Outcome, Propagation, Report, RunType
from tests.history_stores import history_report, write_old_store

D = timedelta(days=1)
PROPAGATION = Propagation(count=3, p50_s=60.0, p95_s=300.5, max_s=420.0)


def _report(build, *, day: int, run_type: RunType = "scheduled",  # noqa: ANN001
            **changes: Any) -> Report:
    """A run `day` days after the builders' clock, named `<run type>-<day>`, shrink guard off."""
    return history_report(build, day=day, run_id=f"{run_type}-{day}", run_type=run_type,
                          shrink_guard_share=1.0, **changes)


def test_run_type_and_propagation_read_back(build, new_history) -> None:  # noqa: ANN001
    """A run's type and propagation figures come back from runs(); no figures stay None."""
    history = new_history()
    history.record(_report(build, day=0, propagation=PROPAGATION))
    history.record(_report(build, day=1, run_type="debug"))
    newest, oldest = history.runs("acme")
    assert (newest.run_type, newest.propagation) == ("debug", None)
    assert (oldest.run_type, oldest.propagation) == ("scheduled", PROPAGATION)
    assert history.context("acme").previous_runs[0].propagation == PROPAGATION  # the trend's


def test_context_carries_the_baseline_findings(build, new_history) -> None:  # noqa: ANN001
    """last_findings are the not-in_sync findings of the last conclusive run, sorted by key,
    whatever inconclusive runs came after it."""
    history = new_history()
    first = _report(build, day=0, orphans=("z@x.com", "y@x.com"))
    history.record(first)
    history.record(_report(build, day=1, orphans=(), broken=True))
    last = history.context("acme").last_findings
    expected = sorted((f for f in first.findings if f.outcome != Outcome.IN_SYNC),
                      key=lambda f: f.key)
    assert list(last) == expected and len(last) == 2


def test_spot_checks_are_listed_but_never_a_baseline(build, new_history) -> None:  # noqa: ANN001
    """A spot check newer than the last verify is listed by runs() as one, but the baseline,
    baseline counts, trend, open_since and open findings all still come from the verify."""
    history = new_history()
    history.record(_report(build, day=0))
    history.record(_report(build, day=1, orphans=("p@x.com",), run_type="spot_check"))
    assert [(r.run_id, r.run_type) for r in history.runs("acme")] == [
        ("spot_check-1", "spot_check"), ("scheduled-0", "scheduled")]
    context = history.context("acme")
    assert history.baseline("acme").run_id == "scheduled-0"  # type: ignore[union-attr]
    assert [r.run_id for r in context.previous_runs] == ["scheduled-0"]
    assert context.baseline_counts["user_monitoring"] == 2
    assert set(context.open_since) == {f.key for f in context.last_findings} == {
        "orphan:user_monitoring:z@x.com"}
    assert [f.key for f, _ in history.open_findings("acme")] == ["orphan:user_monitoring:z@x.com"]


def test_prune_drops_old_spot_checks(build, new_history) -> None:  # noqa: ANN001
    """Spot checks age out like any run; only the baseline outlives the horizon."""
    history = new_history()
    history.record(_report(build, day=0))
    history.record(_report(build, day=1, run_type="spot_check"))
    assert history.prune("acme", build.now + 5 * D) == 1
    assert [r.run_id for r in history.runs("acme")] == ["scheduled-0"]


def test_an_old_sqlite_file_is_migrated_in_place(build, tmp_path: Path) -> None:  # noqa: ANN001
    """A file without the run_type and propagation columns keeps its runs (as scheduled runs
    without figures) and takes new runs with both."""
    path = tmp_path / "history.sqlite3"
    write_old_store(path)
    history = History(path)
    (old,) = history.runs("acme")
    assert (old.run_id, old.run_type, old.propagation, old.counts) == (
        "old-1", "scheduled", None, {"in_sync": 4})
    history.record(_report(build, day=0, run_type="spot_check", propagation=PROPAGATION))
    assert history.runs("acme")[0].propagation == PROPAGATION
    assert history.baseline("acme").run_id == "old-1"  # type: ignore[union-attr]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_postgres_is_one_clear_line(tmp_path: Path) -> None:
    """Nothing listening at history_url: a ConfigError naming the setting, on one line."""
    url = f"postgresql://tessian@127.0.0.1:{_closed_port()}/tessian"
    with pytest.raises(ConfigError) as caught:
        open_history(tmp_path / "unused.sqlite3", url).runs("acme")
    message = str(caught.value)
    assert message.startswith(f"history_url {url}: cannot use the PostgreSQL history")
    assert "\n" not in message and "PGPASSWORD" in caught.value.remedy


def test_postgres_password_from_the_setting(
    build, pg_schema, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # noqa: ANN001
) -> None:
    """Without PGPASSWORD, history_password signs in; a wrong one is refused as a ConfigError."""
    url = pg_schema()
    password = os.environ["PGPASSWORD"]
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    open_history(tmp_path / "x", url, password).record(_report(build, day=0))
    assert [r.run_id for r in open_history(tmp_path / "x", url, password).runs("acme")] == [
        "scheduled-0"]
    with pytest.raises(ConfigError, match="password authentication failed"):
        open_history(tmp_path / "x", url, password + "-wrong").runs("acme")


def test_postgres_password_from_pgpass(
    build, pg_schema, monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # noqa: ANN001
) -> None:
    """Without PGPASSWORD or the setting, libpq's password file (~/.pgpass, PGPASSFILE) signs in."""
    url = pg_schema()
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:*:{os.environ['PGPASSWORD']}\n")
    pgpass.chmod(0o600)  # libpq ignores a password file others can read
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    open_history(tmp_path / "x", url).record(_report(build, day=0))
    assert len(open_history(tmp_path / "x", url).runs("acme")) == 1
