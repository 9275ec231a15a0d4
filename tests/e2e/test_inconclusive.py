"""`verify` against a portal that misbehaves: exit 3, the right reason, and a bundle anyway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _verify(cli: Any, demo_args: Any, *extra: str, state: Path | None = None) -> Any:
    return cli(*demo_args.global_args, "verify", *demo_args.verify, *extra, state=state)


def _reasons(result: Any) -> set[str]:
    return {r["reason"] for r in result.report()["reasons"]}


def test_rejected_password_is_inconclusive_sign_in_failed(cli: Any, demo_args: Any) -> None:
    """A wrong password ends the run inconclusive (sign_in_failed), with a bundle, tried once."""
    result = _verify(cli, demo_args, "--portal-password", "wrong-Passw0rd!")
    assert result.code == 3, result.err[-1500:]
    assert _reasons(result) == {"sign_in_failed"}
    report = result.report()
    assert report["verdict"] == "inconclusive"
    assert not any(f["outcome"] == "in_sync" for f in report["findings"])
    assert "reason:  sign_in_failed" in result.out
    assert "wrong-Passw0rd!" not in result.err + result.out


def test_maintenance_is_inconclusive_maintenance(cli: Any, demo_args: Any, portal: Any) -> None:
    """The maintenance page ends the run inconclusive with reason maintenance."""
    portal.control.faults(maintenance=True)
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    assert "maintenance" in _reasons(result)


def test_changed_layout_is_inconclusive_ui_changed(cli: Any, demo_args: Any, portal: Any) -> None:
    """A renamed column makes the page fingerprint fail: inconclusive, reason ui_changed."""
    portal.control.faults(layout="renamed_column")
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    assert "ui_changed" in _reasons(result)


def test_blocked_write_is_inconclusive_read_only_violation(
    cli: Any, demo_args: Any, portal: Any
) -> None:
    """A page that tries to write while being read: the guard aborts it (nothing reaches the
    portal) and verify exits 3 with reason read_only_violation, naming the blocked request."""
    portal.control.faults(rogue_write=True)
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    assert "read_only_violation" in _reasons(result)
    assert portal.control.writes() == []
    messages = [r["message"] for r in result.report()["reasons"]
                if r["reason"] == "read_only_violation"]
    assert any("POST /0/admin/integrations/api/tokens/create" in m for m in messages)
    assert "reason:  read_only_violation" in result.out


def test_read_that_cannot_complete_is_inconclusive(cli: Any, demo_args: Any, portal: Any) -> None:
    """User Monitoring's data keeps failing (HTTP 500): the read is incomplete, exit 3."""
    portal.control.faults(fault_path_prefix="/0/data/monitored-users", fail_share=1.0, fail_status=500)
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    reasons = result.report()["reasons"]
    assert {r["surface"] for r in reasons} == {"user_monitoring"}
    assert _reasons(result) <= {"page_not_loaded", "incomplete_read"}


def test_shrink_guard_trips_on_far_fewer_users(
    cli: Any, demo_args: Any, portal: Any, tmp_path: Path, h: Any
) -> None:
    """After a complete run, a tenant with 75% fewer monitored users is not believed: exit 3."""
    state = tmp_path / "shared-state"
    first = _verify(cli, demo_args, state=state)
    assert first.code == 1, first.err[-1500:]
    tenant = json.loads((h.root / "fixtures" / "tenants" / "demo.json").read_text())
    tenant["monitored_users"] = tenant["monitored_users"][:50]
    smaller = tmp_path / "demo-shrunk.json"
    smaller.write_text(json.dumps(tenant))
    portal.control.load_tenant(smaller)
    second = _verify(cli, demo_args, state=state)
    assert second.code == 3, second.err[-1500:]
    assert "shrink_guard" in _reasons(second)
    assert second.report()["verdict"] == "inconclusive"


def test_no_browser_is_exit_3_with_a_remedy(
    cli: Any, demo_args: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Chromium anywhere: exit 3 (nothing verified), one error line and how to get one."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(empty))
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err
    assert "Traceback" not in result.err
    assert "error: No Chromium found" in result.err
    assert "remedy: Install a Chromium" in result.err
    meta = json.loads(next((tmp_path / "reports" / "demo").glob("*/run.json")).read_text())
    assert meta["exit_code"] == 3 and meta["error"] == "BrowserError"


def test_a_named_browser_that_does_not_exist_is_a_settings_error(
    cli: Any, demo_args: Any, tmp_path: Path
) -> None:
    """A --browser-executable that is not there is the operator's mistake: exit 2 naming the flag."""
    result = _verify(cli, demo_args, "--browser-executable", str(tmp_path / "no-chromium"))
    assert result.code == 2, result.err
    assert result.err.count("\nerror:") + result.err.startswith("error:") == 1
    assert "--browser-executable" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.json"))


def test_provider_unreachable_is_inconclusive_provider_failed(
    cli: Any, demo_args: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Okta cannot be reached: the portal is still read, the run is inconclusive (provider_failed)
    and vouches for nobody."""
    monkeypatch.setenv("OKTA_API_TOKEN", "not-a-real-token")
    result = cli(*demo_args.global_args, "verify", *demo_args.portal, "--idp", "okta",
                 "--okta-org-url", "http://127.0.0.1:1", "--okta-app-id", "0oa1tessianprot0001")
    assert result.code == 3, result.err[-1500:]
    assert _reasons(result) == {"provider_failed"}
    report = result.report()
    assert report["identity_source"]["complete"] is False
    assert not any(f["outcome"] == "in_sync" for f in report["findings"])
    assert "not-a-real-token" not in result.err
