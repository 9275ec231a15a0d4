"""The identity-export writer as a command (`python -m fixtures.idp_export`), and the committed
example files, against the documented format (fixtures/tenants/FORMAT.md)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fixtures.idp_export import COLUMNS

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "fixtures" / "identities"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fixtures.idp_export", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)


def test_command_writes_csv_with_times_resolved_against_now(tmp_path: Path) -> None:
    """The CSV has the documented header and the demo's pending person changed ~2 hours ago."""
    out = tmp_path / "ids.csv"
    done = _run("--tenant", "demo", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = {r["email"]: r for r in reader}
    changed = datetime.fromisoformat(rows["oliver.grant@acme.example"]["changed_at"])
    assert abs(datetime.now(UTC) - timedelta(hours=2) - changed) < timedelta(minutes=5)
    assert rows["sam.lee@acme.example"]["aliases"] == "sam@acme.example"
    assert rows["mark.jensen@acme.example"]["active"] == "false"


def test_command_writes_json_identities(tmp_path: Path) -> None:
    """The JSON form is {"identities": [...]} with exactly the documented keys, real booleans."""
    out = tmp_path / "ids.json"
    assert _run("--tenant", "demo", "--format", "json", "--out", str(out)).returncode == 0
    records = json.loads(out.read_text())["identities"]
    assert all(tuple(r) == COLUMNS for r in records)
    assert all(isinstance(r["active"], bool) and isinstance(r["aliases"], list) for r in records)


def test_unknown_tenant_fails_with_one_clear_line(tmp_path: Path) -> None:
    """An unknown tenant exits 2 with a one-line message naming it, and writes nothing."""
    out = tmp_path / "ids.csv"
    done = _run("--tenant", "no-such-tenant", "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    assert "no-such-tenant" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_committed_examples_follow_the_format() -> None:
    """example.csv and example.json hold the same identities, in the documented shape, with
    absolute UTC times."""
    with (EXAMPLES / "example.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        from_csv = list(reader)
    from_json = json.loads((EXAMPLES / "example.json").read_text())["identities"]
    assert [r["email"] for r in from_csv] == [r["email"] for r in from_json]
    for row, record in zip(from_csv, from_json):
        assert tuple(record) == COLUMNS
        assert (row["aliases"].split(";") if row["aliases"] else []) == record["aliases"]
        assert row["active"] == str(record["active"]).lower()
        assert (row["changed_at"] or None) == record["changed_at"]
        assert record["changed_at"] is None or record["changed_at"].endswith("Z")
