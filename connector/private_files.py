"""Owner-only output: every file the connector writes is 0600, every folder it creates 0700.

Snapshots, reports, evidence, history, locks and session state name people and accounts, so
nothing the tool leaves on disk may be readable by another user of the machine, whatever the
umask. Files are created with their final mode (never widened, then narrowed by a chmod) and
written atomically: a temporary file in the same folder, then `os.replace`, so a reader never
sees half a report. Standard library only: every layer (renderers and flows included) uses it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create `path` and its missing parents, each exactly 0700; folders that exist stay as they
    are (a folder the operator made, e.g. the reports root, keeps the mode they gave it)."""
    missing: list[Path] = []
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            os.mkdir(created, DIR_MODE)
        except FileExistsError:
            continue  # another run made it meanwhile: not ours to change
        os.chmod(created, DIR_MODE)  # mkdir's mode is filtered by the umask; this one is exact
    return Path(path)


def write_private(path: Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8, bytes as they are) to `path`, atomically, 0600 from the start."""
    path = Path(path)
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp creates 0600 less the umask: make it exactly 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def touch_private(path: Path) -> Path:
    """Make sure `path` exists and is 0600 before a library opens it (SQLite gives its -journal
    and -wal files the database file's mode); a file an older version left wider is narrowed."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


@contextmanager
def open_private(path: Path) -> Iterator[TextIO]:
    """A text file opened for writing (truncated), 0600 from the start: for streamed logs."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yield out


@contextmanager
def private_umask() -> Iterator[None]:
    """umask 077 for the block, for files another program creates on our behalf (a process
    started inside the block keeps it: Playwright's driver, which writes trace.zip)."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
