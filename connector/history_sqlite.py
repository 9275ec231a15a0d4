"""The SQLite history store: one file in the state folder (the default; stdlib sqlite3).

Several processes may write at once (runs of different tenants, `history --prune`): a writer
takes the write lock when its transaction begins (BEGIN IMMEDIATE) and waits up to BUSY_TIMEOUT_S
for it, so a reader that later wants to write can never be refused half-way ("database is
locked" without waiting is what SQLite does to a deferred transaction that upgrades late).
Files written by earlier versions are migrated in place: missing columns are added.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from connector.errors import ConfigError
from connector.private_files import touch_private

BUSY_TIMEOUT_S = 30
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    counts TEXT NOT NULL,
    surface_counts TEXT NOT NULL,
    run_type TEXT NOT NULL DEFAULT 'scheduled',
    propagation TEXT
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
# Columns added since the first version of the file, and how to add them to an older file.
ADDED_COLUMNS = {
    "run_type": "ALTER TABLE runs ADD COLUMN run_type TEXT NOT NULL DEFAULT 'scheduled'",
    "propagation": "ALTER TABLE runs ADD COLUMN propagation TEXT",
}


class SqliteBackend:
    """The history in one SQLite file, created private (0600) on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction (committed on success, rolled back on error); errors as ConfigError."""
        try:
            # Findings name people: keep the state folder and the file private to this user.
            # SQLite gives its -journal and -wal files the database's mode: create it 0600 first.
            touch_private(self.path)
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S,
                                         isolation_level=None)) as db:
                db.execute("PRAGMA foreign_keys = ON")
                db.executescript(SCHEMA)
                _migrate(db)
                yield from _transaction(db, "BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.DatabaseError as exc:
            remedy = "Move the file aside (history restarts) or fix its permissions."
            raise ConfigError(f"history store {self.path} is unusable: {exc}",
                              remedy=remedy) from exc
        except OSError as exc:
            raise ConfigError(f"cannot create the state folder {self.path.parent}: {exc}") from exc


def _transaction(db: sqlite3.Connection, begin: str) -> Iterator[sqlite3.Connection]:
    db.execute(begin)
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns a file from an earlier version lacks (once; concurrent openers queue)."""
    if not _missing_columns(db):
        return
    db.execute("BEGIN IMMEDIATE")  # the check again under the write lock: another may have won
    try:
        for column in _missing_columns(db):
            db.execute(ADDED_COLUMNS[column])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _missing_columns(db: sqlite3.Connection) -> list[str]:
    present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    return [c for c in ADDED_COLUMNS if c not in present]
