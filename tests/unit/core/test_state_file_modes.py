"""The state folder stays private: history (and SQLite's side files), locks, memories, logs.

Each is created 0600 in 0700 folders under a umask of 022, the common default that makes a plain
open() 0644.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from connector.commands.fixture_procs import run_fixture_tool
from connector.history import History
from connector.lock import tenant_lock
from flows.state import RefusalMemory

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(autouse=True)
def _every_test_under_umask022(umask022: None) -> None:
    """Every test here runs under umask 022."""


def test_history_db_and_state_folder_are_private(tmp_path: Path) -> None:
    """The history file is 0600 from its creation and the state folder it creates 0700."""
    history = History.in_state_dir(tmp_path / ".state")
    history.context("acme")
    assert (mode(tmp_path / ".state"), mode(history.path)) == (0o700, 0o600)


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_sqlite_side_files_take_the_private_mode(tmp_path: Path, journal: str) -> None:
    """SQLite's -wal/-shm and -journal files (live while a write is open) are 0600 too, because
    the database file they copy their mode from was created 0600."""
    history = History.in_state_dir(tmp_path / ".state")
    history.context("acme")
    db = sqlite3.connect(history.path)
    try:
        db.execute(f"PRAGMA journal_mode = {journal}")
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE probe (x)")
        db.execute("INSERT INTO probe VALUES (zeroblob(100000))")
        sides = sorted(p for p in history.path.parent.iterdir() if p != history.path)
        assert sides, "SQLite wrote no side file"
        assert {p.name: mode(p) for p in sides} == dict.fromkeys((p.name for p in sides), 0o600)
    finally:
        db.rollback()
        db.close()


def test_lock_files_are_private(tmp_path: Path) -> None:
    """The lock, its holder file and the locks folder (and the state root it creates) are
    owner-only."""
    state = tmp_path / ".state"
    with tenant_lock(state, "acme", run_id="r1") as lock:
        owner = lock.with_suffix(".owner.json")
        assert (mode(lock), mode(owner)) == (0o600, 0o600)
    assert (mode(state), mode(state / "locks")) == (0o700, 0o700)


def test_refusal_memory_is_private(tmp_path: Path) -> None:
    """The refused-password memory (a scrypt fingerprint) is 0600 in a 0700 folder."""
    memory = RefusalMemory(tmp_path / "sessions" / "refused.json")
    memory.remember("password", "not-this-one")
    assert (mode(tmp_path / "sessions"), mode(memory.path)) == (0o700, 0o600)


def test_demo_fixture_tool_output_and_log_are_private(tmp_path: Path) -> None:
    """The demo's fixture tool runs under umask 077: its identity export and log are 0600."""
    export, log = tmp_path / "demo" / "identities.csv", tmp_path / "demo" / "idp_export.log"
    run_fixture_tool(ROOT, ["fixtures.idp_export", "--tenant", "demo", "--format", "csv",
                            "--out", str(export)], log)
    assert (mode(tmp_path / "demo"), mode(export), mode(log)) == (0o700, 0o600, 0o600)
