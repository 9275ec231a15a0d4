"""Every output file is 0600 and every folder the tool creates 0700, whatever the umask.

Reports, snapshots and evidence name people: nothing the connector writes may be readable by
another user of the machine. The usual umask (022) would make a plain `write_text` 0644.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.bundle import (
    copy_evidence,
    create_bundle,
    open_bundle,
    prune_bundles,
    write_run_meta,
    write_snapshot,
)
from connector.models import Snapshot
from connector.private_files import open_private, private_dir, touch_private, write_private
from connector.report import BUNDLE_FILES, render_bundle

from .conftest import make_full, run_info

STARTED = datetime(2026, 11, 28, 9, 30, 5, tzinfo=UTC)


def mode(path: Path) -> int:
    """The permission bits of `path` (not following a link)."""
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o022, 0o000, 0o027], ids=["umask022", "umask000", "umask027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under a permissive umask (022 is the common default), then restore it."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_write_private_is_0600_atomic_and_exact(tmp_path: Path, umask: int) -> None:
    """write_private creates 0600 files (text as UTF-8, bytes as given) and leaves no temp file."""
    text = write_private(tmp_path / "a.json", "é\r\n")
    blob = write_private(tmp_path / "b.png", b"\x89PNG\x00")
    assert (mode(text), mode(blob)) == (0o600, 0o600)
    assert text.read_bytes() == "é\r\n".encode() and blob.read_bytes() == b"\x89PNG\x00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.png"]


def test_write_private_replaces_a_wider_file(tmp_path: Path, umask: int) -> None:
    """Rewriting a file another tool left 0644 gives a 0600 file (a new inode, not a chmod)."""
    old = tmp_path / "run.json"
    old.write_text("{}")
    old.chmod(0o644)
    write_private(old, "{}\n")
    assert mode(old) == 0o600


def test_private_dir_creates_missing_parents_0700_only(tmp_path: Path, umask: int) -> None:
    """Missing folders are made 0700; a folder that already exists keeps its owner's mode."""
    existing = tmp_path / "reports"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    private_dir(existing / "acme" / "run" / "evidence")
    assert mode(existing) == 0o755
    assert [mode(existing / p) for p in ("acme", "acme/run", "acme/run/evidence")] == [0o700] * 3


def test_touch_and_open_private(tmp_path: Path, umask: int) -> None:
    """touch_private creates 0600 (and narrows an old 0644 file); open_private streams 0600."""
    fresh, old = tmp_path / "state" / "h.sqlite3", tmp_path / "old.sqlite3"
    old.write_bytes(b"x")
    old.chmod(0o644)
    touch_private(fresh)
    touch_private(old)
    with open_private(tmp_path / "logs" / "portal.log") as log:
        log.write("started\n")
    assert [mode(p) for p in (fresh, old, tmp_path / "logs" / "portal.log")] == [0o600] * 3
    assert (mode(tmp_path / "state"), mode(tmp_path / "logs"), old.read_bytes()) == (
        0o700, 0o700, b"x")


def test_render_bundle_files_are_0600_in_a_0700_folder(tmp_path: Path, umask: int) -> None:
    """The six report files are 0600 and the folder render_bundle creates is 0700."""
    out = tmp_path / "out" / "bundle"
    written = render_bundle(make_full(), out)
    assert sorted(p.name for p in written) == sorted(BUNDLE_FILES)
    assert {p.name: mode(p) for p in written} == dict.fromkeys(BUNDLE_FILES, 0o600)
    assert (mode(tmp_path / "out"), mode(out)) == (0o700, 0o700)


def test_bundle_folders_snapshot_and_run_meta_are_private(tmp_path: Path, umask: int) -> None:
    """reports/<tenant>/<run>/evidence are 0700 when created; snapshot.json, run.json are 0600."""
    bundle = create_bundle(tmp_path / "reports", "acme", STARTED, "abc123def456")
    snapshot = Snapshot(run=run_info())
    paths = [write_snapshot(bundle, snapshot),
             write_run_meta(bundle, run_info(), report=None, exit_code=3, command="verify")]
    folders = [tmp_path / "reports", tmp_path / "reports" / "acme", bundle.root, bundle.evidence]
    assert [mode(p) for p in folders] == [0o700] * 4
    assert [mode(p) for p in paths] == [0o600, 0o600]


def test_copied_evidence_is_private_whatever_the_source_modes(tmp_path: Path, umask: int) -> None:
    """report --out copies another bundle's evidence as 0600 files in 0700 folders (an old
    bundle's 0644 screenshots do not stay world-readable in the copy); links are not followed."""
    source = tmp_path / "old"
    (source / "evidence" / "sub").mkdir(parents=True)
    for name in ("a.png", "a.aria.yml", "sub/b.png"):
        (source / "evidence" / name).write_bytes(b"data")
        (source / "evidence" / name).chmod(0o644)
    (source / "evidence" / "link.png").symlink_to(tmp_path / "elsewhere.png")
    (tmp_path / "elsewhere.png").write_bytes(b"secret")
    bundle = open_bundle(tmp_path / "new")
    copy_evidence(source, bundle)
    copied = sorted(p for p in bundle.evidence.rglob("*") if p.is_file())
    assert [p.relative_to(bundle.evidence).as_posix() for p in copied] == [
        "a.aria.yml", "a.png", "sub/b.png"]
    assert {mode(p) for p in copied} == {0o600}
    assert (mode(bundle.evidence), mode(bundle.evidence / "sub")) == (0o700, 0o700)


def test_retention_still_prunes_private_bundles(tmp_path: Path, umask: int) -> None:
    """Bundles made 0700 with 0600 files are still pruned by age (retention reads run.json)."""
    tenant_dir = tmp_path / "reports" / "acme"
    made = []
    for day in range(12):
        started = datetime(2026, 10, 1 + day, tzinfo=UTC)
        bundle = create_bundle(tmp_path / "reports", "acme", started, f"{day:012x}")
        write_run_meta(bundle, run_info(), report=None, exit_code=0, command="verify")
        made.append(bundle.root)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    gone = prune_bundles(tenant_dir, keep=timedelta(days=30), now=now)
    assert sorted(gone) == made[:2]  # all are old; the newest ten always stay
