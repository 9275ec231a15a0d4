"""Through the command line: verify prunes old bundles (and only those), and `check` and `doctor`
report a write the read-only guard blocked."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.bundle import bundle_dir_name
from connector.models import utc_now

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
ROGUE = "POST /0/admin/integrations/api/tokens/create"


def _seed(tenant_dir: Path, days: int, n: int, verdict: str) -> Path:
    """A bundle folder of an earlier run, `days` old."""
    root = tenant_dir / bundle_dir_name(utc_now() - timedelta(days=days), f"{n:012x}")
    root.mkdir(parents=True)
    (root / "run.json").write_text(json.dumps({"verdict": verdict}))
    return root


def test_verify_prunes_old_bundles_only(cli: Any, demo_args: Any, tmp_path: Path) -> None:
    """Of 12 bundles 60+ days old, verify keeps the 9 newest (10 with its own), deletes 3, keeps a
    20-day-old inconclusive one, unrelated files and its own bundle; history holds no in_sync row."""
    tenant_dir = tmp_path / "reports" / "demo"
    old = [_seed(tenant_dir, 60 + i, i, "drift") for i in range(12)]
    failed = _seed(tenant_dir, 20, 99, "inconclusive")
    (tenant_dir / "notes.md").write_text("operator notes")
    (tenant_dir / "archive").mkdir()
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    assert result.code == 1, result.err[-1500:]
    left = {p.name for p in tenant_dir.iterdir()}
    assert left == {result.bundle().name, failed.name, "notes.md", "archive",
                    *(p.name for p in old[:8])}
    with sqlite3.connect(tmp_path / ".state" / "history.sqlite3") as db:
        outcomes = {r[0] for r in db.execute("SELECT outcome FROM findings")}
    assert outcomes and "in_sync" not in outcomes


def test_check_with_a_blocked_write_exits_3(cli: Any, demo_args: Any, portal: Any) -> None:
    """With rogue_write on, `check` is inconclusive (exit 3), names the blocked post, and nothing
    reaches the portal."""
    portal.control.faults(rogue_write=True)
    result = cli(*demo_args.global_args, "check", "nobody.here@acme.example", "--expect",
                 "absent", *demo_args.portal)
    assert result.code == 3, result.out + result.err[-1500:]
    assert f"reason: read_only_violation: the read-only guard blocked {ROGUE}" in result.out
    assert "verdict: inconclusive" in result.out
    assert all(not r["conclusive"] for r in result.report()["spot_checks"])
    assert portal.control.writes() == []


def test_doctor_with_a_blocked_write_exits_3(cli: Any, demo_args: Any, portal: Any) -> None:
    """With rogue_write on, `doctor` marks the list pages CHANGED naming the post: exit 3."""
    portal.control.faults(rogue_write=True)
    result = cli(*demo_args.global_args, "doctor", *demo_args.portal)
    assert result.code == 3, result.out + result.err[-1500:]
    assert "CHANGED" in result.out and "read-only guard blocked" in result.out
