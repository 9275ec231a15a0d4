"""`collect`, `expected` and `report --from` as separate steps, and the API read modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

API_TOKEN = "demo-api-token-0123456789"


def test_collect_expected_report_equals_verify(
    cli: Any, demo_args: Any, tmp_path: Path, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """collect + expected + report --identities gives verify's findings, step by step
    (portal settings from TESSIAN_* environment variables this time, not flags)."""
    global_args, idp_args = demo_args.global_args, demo_args.idp
    flags = dict(zip(demo_args.portal[::2], demo_args.portal[1::2], strict=True))
    monkeypatch.setenv("TESSIAN_PORTAL_URL", flags["--portal-url"])
    monkeypatch.setenv("TESSIAN_PORTAL_EMAIL", flags["--portal-email"])
    monkeypatch.setenv("TESSIAN_PORTAL_PASSWORD", flags["--portal-password"])
    snapshot = tmp_path / "run" / "snapshot.json"
    collected = cli(*global_args, "collect", "--out", str(snapshot))
    assert collected.code == 0, collected.err[-1500:]
    data = json.loads(snapshot.read_text())
    assert data["identity_source"] is None and all(c["complete"] for c in data["collections"])
    identities = tmp_path / "identities.json"
    expected = cli(*global_args, "expected", *idp_args, "--out", str(identities))
    assert expected.code == 0, expected.err
    assert len(json.loads(identities.read_text())["identities"]) > 100
    report = cli(*global_args, "report", "--from", str(snapshot), "--identities", str(identities))
    assert report.code == 1, report.err
    assert h.found_findings(report.report()) == h.expected_findings()


def test_collect_with_sign_in_refused_exits_3_and_keeps_the_snapshot(
    cli: Any, demo_args: Any, tmp_path: Path
) -> None:
    """collect records the failure in the snapshot's collections and exits 3."""
    snapshot = tmp_path / "snapshot.json"
    result = cli(*demo_args.global_args, "collect", *demo_args.portal, "--portal-password",
                 "wrong-Pass1",
                 "--out", str(snapshot))
    assert result.code == 3
    kinds = {e["kind"] for c in json.loads(snapshot.read_text())["collections"] for e in c["errors"]}
    assert kinds == {"sign_in_failed"}
    assert "error: " in result.err and "remedy: " in result.err


def test_verify_cross_check_with_the_public_api(
    cli: Any, demo_args: Any, h: Any, portal: Any
) -> None:
    """--mode cross-check reads User Monitoring twice (pages and API) and agrees: same findings."""
    result = cli(*demo_args.global_args, "verify", *demo_args.verify, "--mode", "cross-check",
                 "--api-token",
                 API_TOKEN)
    assert result.code == 1, result.err[-1500:]
    report = result.report()
    sources = {(c["surface"], c["source"]) for c in report["collections"]}
    assert ("user_monitoring", "api") in sources and ("user_monitoring", "dom") in sources
    assert h.found_findings(report) == h.expected_findings()
    assert API_TOKEN not in result.err + (result.bundle() / "snapshot.json").read_text()
