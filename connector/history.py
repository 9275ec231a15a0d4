"""The run history: a SQLite file in the state folder, per tenant, runs and their findings.

It gives evaluation its memory (`context`): earlier runs for the trend, the baseline counts for
the shrink guard (from the last run that reached a verdict, i.e. read everything completely), and
since when each open finding has been open. Only stdlib sqlite3; one connection per call.

Storage stays bounded for an hourly run over years: a run keeps its counts (all the trend needs)
and only its findings that are not `in_sync` (all `open_since` and `open_findings` read), stored
without default values; `prune` drops runs older than a horizon but never the baseline run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.errors import ConfigError
from connector.models import Finding, HistoryContext, Outcome, Report, RunSummary, utc_now
from connector.private_files import touch_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    counts TEXT NOT NULL,
    surface_counts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_tenant ON runs (tenant, finished_at);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    open_since TEXT,
    finding TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""
CONCLUSIVE = ("verified", "drift")
TREND_RUNS = 30  # earlier runs handed to evaluation for the trend chart


class History:
    """Runs and findings of every tenant, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> History:
        """The history file of a state folder (`<state_dir>/history.sqlite3`)."""
        return cls(Path(state_dir) / "history.sqlite3")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            # Findings name people: keep the state folder and the file private to this user.
            # SQLite gives its -journal and -wal files the database's mode: create it 0600 first.
            touch_private(self.path)
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                db.execute("PRAGMA foreign_keys = ON")
                db.executescript(SCHEMA)
                with db:  # one transaction: committed on success, rolled back on error
                    yield db
        except sqlite3.DatabaseError as exc:
            remedy = "Move the file aside (history restarts) or fix its permissions."
            raise ConfigError(f"history store {self.path} is unusable: {exc}",
                              remedy=remedy) from exc
        except OSError as exc:
            raise ConfigError(f"cannot create the state folder {self.path.parent}: {exc}") from exc

    def record(self, report: Report) -> None:
        """Store a run and its findings (recording the same run id again replaces it)."""
        run = report.run
        finished = run.finished_at or report.evaluated_at
        with self._connect() as db:
            db.execute("DELETE FROM runs WHERE run_id = ?", (run.run_id,))
            db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", (
                run.run_id, run.tenant, _iso(run.started_at), _iso(finished), report.verdict,
                json.dumps(report.counts, sort_keys=True),
                json.dumps(surface_counts(report), sort_keys=True)))
            db.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?)", [
                (run.run_id, f.key, f.outcome.value, _iso(f.open_since) if f.open_since else None,
                 f.model_dump_json(exclude_defaults=True))
                for f in report.findings if f.outcome != Outcome.IN_SYNC])

    def prune(self, tenant: str, older_than: datetime) -> int:
        """Delete the tenant's runs finished before `older_than`, except the baseline run.

        The last conclusive run survives whatever its age: the shrink guard compares with it, and
        open findings date from it. Returns how many runs were deleted (their findings go too).
        """
        baseline = self.baseline(tenant)
        keep = baseline.run_id if baseline else ""
        with self._connect() as db:
            gone = db.execute("DELETE FROM runs WHERE tenant = ? AND finished_at < ? "
                              "AND run_id != ?", (tenant, _iso(older_than), keep)).rowcount
            # in_sync rows written by earlier versions of `record`: nothing reads them.
            db.execute("DELETE FROM findings WHERE outcome = ? AND run_id IN "
                       "(SELECT run_id FROM runs WHERE tenant = ?)",
                       (Outcome.IN_SYNC.value, tenant))
        return gone

    def runs(self, tenant: str, limit: int = 20) -> list[RunSummary]:
        """The tenant's latest runs, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT run_id, finished_at, verdict, counts, surface_counts FROM runs "
                "WHERE tenant = ? ORDER BY finished_at DESC, run_id DESC LIMIT ?",
                (tenant, limit)).fetchall()
        return [_summary(r) for r in rows]

    def context(self, tenant: str) -> HistoryContext:
        """What the next evaluation needs to know about the tenant's past."""
        previous = self.runs(tenant, TREND_RUNS)
        baseline = self.baseline(tenant)
        return HistoryContext(
            previous_runs=tuple(reversed(previous)),
            baseline_counts=dict(baseline.surface_counts) if baseline else {},
            open_since=self._open_since(baseline.run_id) if baseline else {},
        )

    def baseline(self, tenant: str) -> RunSummary | None:
        """The tenant's last conclusive run, however many inconclusive runs came after it."""
        with self._connect() as db:
            row = db.execute(
                "SELECT run_id, finished_at, verdict, counts, surface_counts FROM runs "
                "WHERE tenant = ? AND verdict IN (?, ?) ORDER BY finished_at DESC, run_id DESC "
                "LIMIT 1", (tenant, *CONCLUSIVE)).fetchone()
        return _summary(row) if row else None

    def _open_since(self, run_id: str) -> dict[str, datetime]:
        """Open findings of a run: since when each has been open, continuously."""
        with self._connect() as db:
            rows = db.execute("SELECT key, open_since FROM findings WHERE run_id = ? "
                              "AND outcome != ? AND open_since IS NOT NULL",
                              (run_id, Outcome.IN_SYNC.value)).fetchall()
        return {key: datetime.fromisoformat(since) for key, since in rows}

    def open_findings(self, tenant: str) -> list[tuple[Finding, datetime]]:
        """Findings open in the tenant's last conclusive run, with since when (oldest first)."""
        latest = self.baseline(tenant)
        if latest is None:
            return []
        with self._connect() as db:
            rows = db.execute("SELECT finding FROM findings WHERE run_id = ? AND outcome != ?",
                              (latest.run_id, Outcome.IN_SYNC.value)).fetchall()
        found = [Finding.model_validate_json(r[0]) for r in rows]
        pairs = [(f, f.open_since or latest.finished_at) for f in found]
        return sorted(pairs, key=lambda p: (p[1], p[0].key))


def _summary(row: tuple[str, str, str, str, str]) -> RunSummary:
    """A `runs` row (run_id, finished_at, verdict, counts, surface_counts) as a RunSummary."""
    return RunSummary(run_id=row[0], finished_at=datetime.fromisoformat(row[1]), verdict=row[2],
                      counts=json.loads(row[3]), surface_counts=json.loads(row[4]))


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
    """UTC ISO-8601, so that text order in SQL is time order."""
    return value.astimezone(UTC).isoformat()
