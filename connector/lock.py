"""A per-tenant lock in the state folder, so two runs for one tenant never overlap.

The lock is an OS file lock (filelock): it is released when the process ends, however it ends,
so a crashed run never leaves a stale lock behind. A small sidecar file says who holds it, for the
message the second run prints.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from connector.errors import RunLocked
from connector.models import utc_now
from connector.private_files import FILE_MODE, private_dir, write_private


def lock_path(state_dir: Path, tenant: str) -> Path:
    """Where the lock of `tenant` lives (tenant names are made safe for a file name)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", tenant) or "_"
    return state_dir / "locks" / f"{safe}.lock"


@contextmanager
def tenant_lock(
    state_dir: Path, tenant: str, *, run_id: str = "", timeout: float = 0.0
) -> Iterator[Path]:
    """Hold the tenant's lock for the block; raise `RunLocked` if another run holds it."""
    path = lock_path(state_dir, tenant)
    private_dir(path.parent)
    lock = FileLock(str(path), timeout=timeout, mode=FILE_MODE, is_singleton=False)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RunLocked(
            f"another run for tenant '{tenant}' is in progress ({_holder(path)}); lock: {path}"
        ) from exc
    try:
        _write_holder(path, run_id)
        yield path
    finally:
        _owner_file(path).unlink(missing_ok=True)
        lock.release()


def _owner_file(path: Path) -> Path:
    return path.with_suffix(".owner.json")


def _write_holder(path: Path, run_id: str) -> None:
    info = {"pid": os.getpid(), "run_id": run_id, "since": utc_now().isoformat()}
    write_private(_owner_file(path), json.dumps(info))


def _holder(path: Path) -> str:
    try:
        info = json.loads(_owner_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "holder unknown"
    return f"pid {info.get('pid')}, run {info.get('run_id') or '?'}, since {info.get('since')}"
