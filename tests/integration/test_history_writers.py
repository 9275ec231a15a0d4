"""Several processes writing one history store at once, on SQLite and PostgreSQL: six writers
(three for one tenant, two for another, one for a third) and two pruners start together; no run
is lost, nobody fails, and the baseline and a final prune are what a single writer would get.
The SQLite file starts in the first version's layout, so every process migrates it at once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.history import open_history
from tests.history_stores import write_old_store

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RUNS = 16  # per writer; hours 0..7 are before the prune horizon, 8..15 after
WRITERS = (("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("c", 0))
PRUNERS = ("a", "b")
BASE = datetime(2026, 1, 1, tzinfo=UTC)
HORIZON = BASE + timedelta(hours=RUNS // 2)

PROCESS = r'''
import sys
from datetime import datetime, timedelta
from pathlib import Path
from connector.history import open_history
from connector.models import Propagation, Report, RunInfo

def report(tenant, writer, i, base):
    """Run i of a writer: an hour apart, every third one inconclusive."""
    at = base + timedelta(hours=i, seconds=writer)
    run = RunInfo(run_id=f"{tenant}{writer}-{i}", tool_version="t", tenant=tenant,
                  portal_host="p.test", started_at=at, finished_at=at)
    return Report(run=run, verdict="inconclusive" if i % 3 == 2 else "drift",
                  counts={"orphan": i}, propagation=Propagation(count=1, p50_s=float(i)),
                  evaluated_at=at)

store, action, tenant, arg, base = sys.argv[1:6]
history = open_history(Path(store), None if store.endswith(".sqlite3") else store)
base = datetime.fromisoformat(base)
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together
if action == "write":
    for i in range(int(sys.argv[6])):
        history.record(report(tenant, int(arg), i, base))
else:  # prune, again and again while the writers write
    for _ in range(10):
        history.prune(tenant, datetime.fromisoformat(arg))
print("done", flush=True)
'''


def _start(store: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", PROCESS, store, *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _race(store: str) -> None:
    """All the writers and pruners, released at once; each must end 'done' with exit 0."""
    procs = [_start(store, "write", t, str(w), BASE.isoformat(), str(RUNS)) for t, w in WRITERS]
    procs += [_start(store, "prune", t, HORIZON.isoformat(), BASE.isoformat()) for t in PRUNERS]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.stderr
    for proc in procs:
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert (proc.returncode, out) == (0, "done\n"), err[-2000:]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An SQLite file in the first version's layout, or a fresh PostgreSQL schema."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_schema")())
    path = tmp_path / "history.sqlite3"
    write_old_store(path)
    return str(path)


def test_concurrent_writers_and_pruners_lose_nothing(store: str, tmp_path: Path) -> None:
    """After the race every run is there but those the pruners may take; the baseline is the
    newest conclusive run; a final prune leaves exactly the runs after the horizon."""
    _race(store)
    history = open_history(Path(store), None if store.endswith(".sqlite3") else store)
    for tenant in ("a", "b", "c"):
        writers = [w for t, w in WRITERS if t == tenant]
        newer = {f"{tenant}{w}-{i}" for w in writers for i in range(RUNS // 2, RUNS)}
        runs = {r.run_id for r in history.runs(tenant, limit=1000)}
        assert newer <= runs and all(int(r.split("-")[1]) < RUNS for r in runs)
        baseline = history.baseline(tenant)
        assert baseline is not None and baseline.run_id == f"{tenant}{max(writers)}-{RUNS - 1}"
        history.prune(tenant, HORIZON)
        assert {r.run_id for r in history.runs(tenant, limit=1000)} == newer
