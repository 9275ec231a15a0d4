"""Fixtures for the history on both backends: SQLite files and PostgreSQL schemas.

PostgreSQL comes from TESSIAN_TEST_POSTGRES_URL (set by .ci/run and `make test`), else from
scripts/ensure-postgres.sh run here (it installs and starts Debian's postgresql when it can).
The PostgreSQL cases are skipped only when TESSIAN_TEST_NO_POSTGRES=1 says there is none; a
missing server otherwise fails them, so CI cannot pass without running them. Each test gets its
own schema (search_path in the URL), dropped afterwards: tests never see each other's runs.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.history import History, open_history
from connector.models import (
    CollectionErrorKind, HistoryContext, Policy, Propagation, Report, RunInfo, RunType,
)
from connector.reconcile import evaluate

ROOT = Path(__file__).resolve().parent.parent
URL_VAR, OFF_VAR = "TESSIAN_TEST_POSTGRES_URL", "TESSIAN_TEST_NO_POSTGRES"
TEST_PASSWORD = "tessian_test"  # scripts/ensure-postgres.sh: the local test role's password
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The test server's URL (no password in it: PGPASSWORD carries that, as for users)."""
    if os.environ.get(OFF_VAR) == "1":
        pytest.skip(f"{OFF_VAR}=1: no PostgreSQL for the history tests")
    url = os.environ.get(URL_VAR) or _ensure_postgres()
    if not url.startswith("postgresql://") or "\n" in url:
        pytest.fail(f"{URL_VAR} is not one postgresql:// URL: {url!r}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PGPASSWORD", os.environ.get("PGPASSWORD", TEST_PASSWORD))
        yield url


def _ensure_postgres() -> str:
    done = subprocess.run([str(ROOT / "scripts" / "ensure-postgres.sh")], capture_output=True,
                          text=True, check=False, timeout=300)
    if done.returncode != 0 or not done.stdout.strip():
        pytest.fail(f"no PostgreSQL for the history tests (set {URL_VAR}, or {OFF_VAR}=1 to "
                    f"skip them): scripts/ensure-postgres.sh said: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Makes fresh schemas; each call gives a URL whose search_path is a new, empty schema."""
    import psycopg

    made: list[str] = []

    def new_url() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        join = "&" if "?" in postgres_url else "?"
        return f"{postgres_url}{join}options=-csearch_path%3D{name}"

    yield new_url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=BACKENDS)
def new_history(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., History]:
    """A factory of empty stores on the backend under test: new_history() or new_history('b')."""
    if request.param == "sqlite":
        return lambda name="h": History(tmp_path / f"{name}.sqlite3")
    new_url = request.getfixturevalue("pg_schema")
    return lambda name="h": open_history(tmp_path / "unused.sqlite3", new_url())


def count_rows(history: History, table: str) -> int:
    """Rows in one of the store's tables (runs, findings), whatever the backend."""
    with history.backend.connect(write=False) as db:
        row: Any = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0])


OLD_SCHEMA = """
CREATE TABLE runs (run_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, verdict TEXT NOT NULL, counts TEXT NOT NULL,
    surface_counts TEXT NOT NULL);
CREATE INDEX runs_by_tenant ON runs (tenant, finished_at);
CREATE TABLE findings (run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    key TEXT NOT NULL, outcome TEXT NOT NULL, open_since TEXT, finding TEXT NOT NULL,
    PRIMARY KEY (run_id, key));
INSERT INTO runs VALUES ('old-1', 'acme', '2026-01-01T00:00:00+00:00',
    '2026-01-01T00:05:00+00:00', 'verified', '{"in_sync": 4}', '{"user_monitoring": 4}');
"""


def write_old_store(path: Path) -> None:
    """An SQLite history file as the first version wrote it (no run_type, no propagation)."""
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)


def history_report(build: Any, *, day: int, tenant: str = "acme", run_id: str | None = None,
                   orphans: tuple[str, ...] = ("z@x.com",), broken: bool = False,
                   history: HistoryContext | None = None, shrink_guard_share: float = 0.2,
                   run_type: RunType = "scheduled",
                   propagation: Propagation | None = None) -> Report:
    """A run `day` days after the builders' clock: one healthy identity, some orphan rows;
    `broken` makes User Monitoring's read incomplete (an inconclusive run)."""
    rows = [build.row("a@x.com"), *(build.row(o) for o in orphans)]
    collections = None
    if broken:
        collections = [build.collection("user_monitoring", 1, complete=False,
                                        error=CollectionErrorKind.TOTAL_CHANGED),
                       build.collection("portal_users", 0)]
    snapshot = build.snapshot([build.identity("a@x.com")], rows, collections=collections,
                              history=history)
    at = build.now + timedelta(days=day)
    run = RunInfo(run_id=run_id or f"{tenant}-{day}", tool_version="t", tenant=tenant,
                  portal_host="h", run_type=run_type, started_at=at - timedelta(minutes=2),
                  finished_at=at)
    report = evaluate(snapshot.model_copy(update={"run": run}),
                      Policy(shrink_guard_share=shrink_guard_share))
    return report.model_copy(update={"propagation": propagation}) if propagation else report

