"""The per-tenant lock and the bundle folder layout."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.bundle import create_bundle, new_run_id, write_run_meta
from connector.errors import RunLocked
from connector.lock import tenant_lock
from connector.models import RunInfo


def test_second_run_for_same_tenant_is_refused(tmp_path: Path) -> None:
    """While one run holds a tenant's lock, another fails fast naming the holder."""
    with tenant_lock(tmp_path, "acme", run_id="run-one"):
        with pytest.raises(RunLocked, match="run-one"):
            with tenant_lock(tmp_path, "acme", run_id="run-two"):
                pass  # pragma: no cover - must not get here


def test_other_tenants_and_later_runs_are_not_blocked(tmp_path: Path) -> None:
    """Locks are per tenant and released at the end of the block."""
    entered: list[str] = []
    with tenant_lock(tmp_path, "acme"), tenant_lock(tmp_path, "globex"):
        entered.append("acme and globex together")
    with tenant_lock(tmp_path, "acme"):
        entered.append("acme again")
    assert entered == ["acme and globex together", "acme again"]


def test_bundle_layout_and_permissions(tmp_path: Path) -> None:
    """reports/<tenant>/<UTC time>-<run id>/evidence exists and is private (0700)."""
    started = datetime(2026, 11, 28, 9, 30, 5, tzinfo=UTC)
    bundle = create_bundle(tmp_path, "acme", started, "abc123def456")
    assert bundle.root == tmp_path / "acme" / "20261128T093005Z-abc123def456"
    assert bundle.evidence.is_dir()
    assert stat.S_IMODE(bundle.root.stat().st_mode) == 0o700


def test_run_metadata_is_written(tmp_path: Path) -> None:
    """run.json carries tool version, run id, UTC times, host, run type and exit code."""
    started = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    run_id = new_run_id()
    bundle = create_bundle(tmp_path, "acme", started, run_id)
    run = RunInfo(run_id=run_id, tool_version="0.1.0", tenant="acme", portal_host="p.example",
                  started_at=started, finished_at=started)
    write_run_meta(bundle, run, report=None, exit_code=3, command="verify")
    meta = json.loads(bundle.meta_path.read_text())
    assert meta["run_id"] == run_id and len(run_id) == 12
    assert meta["exit_code"] == 3 and meta["portal_host"] == "p.example"
    assert meta["started_at"] == "2026-11-28T09:30:00+00:00"
