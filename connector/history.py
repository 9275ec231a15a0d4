"""The run history: per tenant, runs and their findings, in SQLite (default) or PostgreSQL.

It gives evaluation its memory (`context`): earlier runs for the trend, the baseline counts for
the shrink guard (from the last run that reached a verdict, i.e. read everything completely), the
findings of that run and since when each has been open. Spot checks are recorded and listed, but
are never a baseline and never part of the trend: they read one person, not the tenant.

Storage stays bounded for an hourly run over years: a run keeps its counts (all the trend needs)
and only its findings that are not `in_sync` (all `open_since` and `open_findings` read), stored
without default values; `prune` drops runs older than a horizon but never the baseline run.

The behaviour lives here, once; a backend (connector.history_sqlite, connector.history_postgres)
only opens a transaction on its store. The SQL below is common to both (`?` placeholders).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from connector.history_sqlite import SqliteBackend
from connector.models import Finding, HistoryContext, Outcome, Report, RunSummary, utc_now

CONCLUSIVE = ("verified", "drift")
SPOT_CHECK = "spot_check"  # a run type that reads one person: never a baseline, never a trend
TREND_RUNS = 30  # earlier runs handed to evaluation for the trend chart
_RUN_COLUMNS = ("run_id, finished_at, verdict, counts, surface_counts, run_type, propagation")
_NOT_SPOT = f"AND run_type != '{SPOT_CHECK}'"


class Db(Protocol):
    """The little of a DB-API connection the history uses (sqlite3 and the psycopg wrapper)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...


class Backend(Protocol):
    """Where the history lives: one transaction per `connect`, committed when the block ends."""

    def connect(self, *, write: bool) -> AbstractContextManager[Db]: ...

    def exists(self) -> bool: ...


class History:
    """Runs and findings of every tenant, in one store (an SQLite file, unless given a backend)."""

    def __init__(self, path: Path | None = None, *, backend: Backend | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if backend is None and self.path is None:
            raise ValueError("History needs a path or a backend")
        self.backend: Backend = backend or SqliteBackend(Path(str(self.path)))

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> History:
        """The history file of a state folder (`<state_dir>/history.sqlite3`)."""
        return cls(Path(state_dir) / "history.sqlite3")

    def exists(self) -> bool:
        """Whether the store is there already (an SQLite file is created by the first use)."""
        return self.backend.exists()

    def record(self, report: Report) -> None:
        """Store a run and its findings (recording the same run id again replaces it)."""
        run = report.run
        finished = run.finished_at or report.evaluated_at
        propagation = report.propagation.model_dump_json() if report.propagation else None
        with self.backend.connect(write=True) as db:
            # An upsert, not delete + insert: two writers of one run id queue on its row.
            db.execute(
                "INSERT INTO runs (run_id, tenant, started_at, finished_at, verdict, counts, "
                "surface_counts, run_type, propagation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id) DO UPDATE SET tenant = excluded.tenant, "
                "started_at = excluded.started_at, finished_at = excluded.finished_at, "
                "verdict = excluded.verdict, counts = excluded.counts, "
                "surface_counts = excluded.surface_counts, run_type = excluded.run_type, "
                "propagation = excluded.propagation",
                (run.run_id, run.tenant, _iso(run.started_at), _iso(finished), report.verdict,
                 json.dumps(report.counts, sort_keys=True),
                 json.dumps(surface_counts(report), sort_keys=True), run.run_type, propagation))
            db.execute("DELETE FROM findings WHERE run_id = ?", (run.run_id,))
            db.executemany(
                "INSERT INTO findings (run_id, key, outcome, open_since, finding) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET "
                "outcome = excluded.outcome, open_since = excluded.open_since, "
                "finding = excluded.finding", _finding_rows(report))

    def prune(self, tenant: str, older_than: datetime) -> int:
        """Delete the tenant's runs finished before `older_than`, except the baseline run.

        The last conclusive run survives whatever its age: the shrink guard compares with it, and
        open findings date from it. Returns how many runs were deleted (their findings go too).
        """
        with self.backend.connect(write=True) as db:
            baseline = _baseline(db, tenant)
            keep = baseline.run_id if baseline else ""
            gone = db.execute("DELETE FROM runs WHERE tenant = ? AND finished_at < ? "
                              "AND run_id != ?", (tenant, _iso(older_than), keep)).rowcount
            # in_sync rows written by earlier versions of `record`: nothing reads them.
            db.execute("DELETE FROM findings WHERE outcome = ? AND run_id IN "
                       "(SELECT run_id FROM runs WHERE tenant = ?)",
                       (Outcome.IN_SYNC.value, tenant))
        return int(gone)

    def runs(self, tenant: str, limit: int = 20, *, spot_checks: bool = True) -> list[RunSummary]:
        """The tenant's latest runs, newest first (spot checks too, unless told otherwise)."""
        with self.backend.connect(write=False) as db:
            return _runs(db, tenant, limit, spot_checks=spot_checks)

    def context(self, tenant: str) -> HistoryContext:
        """What the next evaluation needs to know about the tenant's past (one consistent read)."""
        with self.backend.connect(write=False) as db:
            previous = _runs(db, tenant, TREND_RUNS, spot_checks=False)
            baseline = _baseline(db, tenant)
            findings = _findings(db, baseline.run_id) if baseline else []
        return HistoryContext(
            previous_runs=tuple(reversed(previous)),
            baseline_counts=dict(baseline.surface_counts) if baseline else {},
            open_since={f.key: f.open_since for f in findings if f.open_since is not None},
            last_findings=tuple(sorted(findings, key=lambda f: f.key)),
        )

    def baseline(self, tenant: str) -> RunSummary | None:
        """The tenant's last conclusive run, however many inconclusive runs came after it."""
        with self.backend.connect(write=False) as db:
            return _baseline(db, tenant)

    def open_findings(self, tenant: str) -> list[tuple[Finding, datetime]]:
        """Findings open in the tenant's last conclusive run, with since when (oldest first)."""
        with self.backend.connect(write=False) as db:
            latest = _baseline(db, tenant)
            found = _findings(db, latest.run_id) if latest else []
        if latest is None:
            return []
        pairs = [(f, f.open_since or latest.finished_at) for f in found]
        return sorted(pairs, key=lambda p: (p[1], p[0].key))


def _runs(db: Db, tenant: str, limit: int, *, spot_checks: bool) -> list[RunSummary]:
    rows = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs WHERE tenant = ? {'' if spot_checks else _NOT_SPOT} "
        "ORDER BY finished_at DESC, run_id DESC LIMIT ?", (tenant, limit)).fetchall()
    return [_summary(r) for r in rows]


def _baseline(db: Db, tenant: str) -> RunSummary | None:
    row = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs WHERE tenant = ? AND verdict IN (?, ?) {_NOT_SPOT} "
        "ORDER BY finished_at DESC, run_id DESC LIMIT 1", (tenant, *CONCLUSIVE)).fetchone()
    return _summary(row) if row else None


def _findings(db: Db, run_id: str) -> list[Finding]:
    """The stored findings (never in_sync, whatever an older version wrote) of one run."""
    rows = db.execute("SELECT finding FROM findings WHERE run_id = ? AND outcome != ?",
                      (run_id, Outcome.IN_SYNC.value)).fetchall()
    return [Finding.model_validate(_json(r[0])) for r in rows]


def _finding_rows(report: Report) -> Iterator[tuple[str, str, str, str | None, str]]:
    for f in report.findings:
        if f.outcome != Outcome.IN_SYNC:
            yield (report.run.run_id, f.key, f.outcome.value,
                   _iso(f.open_since) if f.open_since else None,
                   f.model_dump_json(exclude_defaults=True))


def _summary(row: Sequence[Any]) -> RunSummary:
    """A `runs` row (in _RUN_COLUMNS order) as a RunSummary."""
    propagation = _json(row[6]) if row[6] is not None else None
    return RunSummary(run_id=row[0], finished_at=_when(row[1]), verdict=row[2],
                      counts=_json(row[3]), surface_counts=_json(row[4]),
                      run_type=row[5], propagation=propagation)


def _json(value: Any) -> Any:
    """A JSON column: text in SQLite, already decoded by psycopg (jsonb) in PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _when(value: str | datetime) -> datetime:
    """A time column: ISO text in SQLite, a timestamptz (a datetime) in PostgreSQL."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when.astimezone(UTC)


def surface_counts(report: Report) -> dict[str, int]:
    """Rows read per surface (complete reads only) and identities (complete source only)."""
    counts = {c.surface: c.read_count for c in report.collections
              if c.complete and not any(e.fatal for e in c.errors)}
    source = report.identity_source
    if source is not None and source.complete:
        counts["identities"] = len(source.identities)
    return counts


def describe_age(since: datetime, now: datetime | None = None) -> str:
    """'3 days', '5 hours', '12 minutes': how long a finding has been open."""
    age = (now or utc_now()) - since
    for unit, size in (("day", timedelta(days=1)), ("hour", timedelta(hours=1)),
                       ("minute", timedelta(minutes=1))):
        if age >= size:
            n = int(age / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"


def _iso(value: datetime) -> str:
    """UTC ISO-8601, so that text order in SQL is time order (PostgreSQL casts it)."""
    return value.astimezone(UTC).isoformat()


def open_history(path: Path, url: str | None = None, password: str | None = None) -> History:
    """The configured store: PostgreSQL at `url` (history_url) when set, else the SQLite file."""
    if not url:
        return History(path)
    from connector.history_postgres import PostgresBackend

    return History(backend=PostgresBackend(url, password=password))
