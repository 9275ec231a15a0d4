"""After one real verify run: offline re-rendering, spot checks, history, doctor and debug."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

RENDERED = ("report.json", "report.html", "junit.xml", "summary.md", "action-plan.csv",
            "ocsf.json")


@pytest.fixture(scope="module")
def verified(portal: Any, demo_export: Path, demo_config: Path,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One verify run of the demo tenant; its bundle, state folder and the options used."""
    work = tmp_path_factory.mktemp("verified")
    base = ["--config", str(demo_config), "--tenant", "demo", "--state-dir", str(work / "state"),
            "--reports-dir", str(work / "reports")]
    # The password-only admin: no two-factor window to wait for between the tests' sign-ins.
    portal_args = ["--portal-url", portal.url, "--portal-email", "password.admin@acme.example",
                   "--portal-password", "plain-Passw0rd!"]
    idp = ["--idp", "file", "--idp-file", str(demo_export)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*base, "verify", *portal_args, *idp])
    assert code == 1, out.getvalue()
    bundle = Path(out.getvalue().splitlines()[0]).parent
    return {"bundle": bundle, "base": base, "portal": portal_args, "idp": idp, "work": work}


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Chromium can be found, and importing Playwright at all fails."""
    from flows.browser import find_chromium

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(empty))
    # A configured browser must exist (a missing one is a settings error), so name one that
    # exists and cannot start: an offline command that tried to launch it would fail.
    broken = tmp_path / "broken-bin" / "chromium"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o700)
    monkeypatch.setenv("TESSIAN_BROWSER_EXECUTABLE", str(broken))
    assert find_chromium() is None
    for name in [m for m in sys.modules if m == "playwright" or m.startswith("playwright.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "playwright", None)  # type: ignore[arg-type]


def _same_files(a: Path, b: Path) -> None:
    for name in RENDERED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_report_from_report_json_is_byte_for_byte(
    verified: dict[str, Any], cli: Any, tmp_path: Path, no_browser: None
) -> None:
    """Re-rendering from report.json writes the same bytes, with no browser available."""
    out = tmp_path / "again"
    result = cli(*verified["base"][:4], "report", "--from",
                 str(verified["bundle"] / "report.json"), "--out", str(out))
    assert result.code == 1, result.err
    _same_files(verified["bundle"], out)


def test_report_from_snapshot_reevaluates_byte_for_byte(
    verified: dict[str, Any], cli: Any, tmp_path: Path, no_browser: None
) -> None:
    """Re-evaluating snapshot.json with the same policy reproduces every file, offline."""
    out = tmp_path / "reevaluated"
    result = cli(*verified["base"][:4], "report", "--from",
                 str(verified["bundle"] / "snapshot.json"), "--out", str(out))
    assert result.code == 1, result.err
    _same_files(verified["bundle"], out)
    assert (out / "snapshot.json").read_bytes() == (verified["bundle"] / "snapshot.json").read_bytes()


def test_report_from_snapshot_uses_the_configured_policy(
    verified: dict[str, Any], cli: Any, tmp_path: Path, no_browser: None
) -> None:
    """The snapshot is re-judged with the policy configured now, not the one of the run."""
    snapshot = str(verified["bundle"] / "snapshot.json")
    default = cli("--tenant", "demo", "report", "--from", snapshot, "--out", str(tmp_path / "d"))
    report = json.loads((tmp_path / "d" / "report.json").read_text())
    assert report["policy"]["in_scope_domains"] == [] and default.code == 1
    # Without the demo's domain map and exceptions, the findings are not the demo's.
    original = json.loads((verified["bundle"] / "report.json").read_text())
    assert report["findings"] != original["findings"]
    strict = cli(*verified["base"][:4], "report", "--from", snapshot, "--fail-level", "critical",
                 "--out", str(tmp_path / "c"))
    report = json.loads((tmp_path / "c" / "report.json").read_text())
    assert report["policy"]["fail_level"] == "critical"
    assert strict.code == 1  # access_retained is critical: still drift


def test_check_leaver_not_removed_exits_1(verified: dict[str, Any], cli: Any, h: Any) -> None:
    """A leaver still monitored (per the identity export) is drift: exit 1, with a screenshot."""
    leaver = next(s for o, s, surface in h.expected_findings() if o == "not_removed")
    result = cli(*verified["base"][:4], "check", leaver, *verified["portal"], *verified["idp"],
                 state=verified["work"] / "state")
    assert result.code == 1, result.err[-1500:]
    assert "not_removed" in result.out
    report = result.report()
    assert report["run"]["run_type"] == "spot_check"
    shots = [p for f in report["findings"] for p in f["evidence"]]
    assert shots and all((result.bundle() / p).is_file() for p in shots)


def test_check_answers_tokens_and_sign_ins_after_leaving(verified: dict[str, Any],
                                                          cli: Any) -> None:
    """A leaver's check names the token they created and their sign-in after leaving."""
    result = cli(*verified["base"][:4], "check", "mark.jensen@acme.example", "--json",
                 *verified["portal"], *verified["idp"], state=verified["work"] / "state")
    assert result.code == 1, result.err[-1500:]
    surfaces = json.loads(result.out)["addresses"][0]["surfaces"]
    assert surfaces["api_tokens"]["outcome"] == "leaver_token"
    assert [t["name"] for t in surfaces["api_tokens"]["row"]["tokens"]] == ["SIEM export"]
    assert surfaces["audit_trail"]["outcome"] == "post_leave_sign_in"
    assert len(surfaces["audit_trail"]["row"]["sign_ins"]) == 1


@pytest.mark.parametrize("person, listed_as", [
    ("robert.smith@acme.example", "bob.smith@acme.example"),  # monitored under an alias
    ("jonas.weber@acme.example", "jonas.weber@acme-corp.example"),  # under the domain map
])
def test_check_finds_a_person_under_an_alias_or_mapped_domain(
    verified: dict[str, Any], cli: Any, person: str, listed_as: str
) -> None:
    """A person listed in the portal only under an alias or a mapped domain is found there, as
    verify matches them: protected people are in sync (exit 0), not reported missing."""
    result = cli(*verified["base"][:4], "check", person, *verified["portal"], *verified["idp"],
                 state=verified["work"] / "state")
    assert result.code == 0, result.out + result.err[-1500:]
    monitored = next(c for c in result.report()["spot_checks"]
                     if c["surface"] == "user_monitoring")
    assert monitored["found"] and monitored["monitored_user"]["address"] == listed_as


def test_check_expect_absent_for_unknown_address_exits_0(verified: dict[str, Any], cli: Any) -> None:
    """An address nobody has, expected absent, is as expected: exit 0."""
    result = cli(*verified["base"][:4], "check", "nobody.here@acme.example", "--expect", "absent",
                 *verified["portal"], state=verified["work"] / "state")
    assert result.code == 0, result.err[-1500:]
    assert "verdict: verified" in result.out


def test_check_expect_present_for_missing_address_exits_1(verified: dict[str, Any], cli: Any) -> None:
    """An address that is not there, expected present, is `missing`: exit 1."""
    result = cli(*verified["base"][:4], "check", "nobody.here@acme.example", "--expect",
                 "present", *verified["portal"], state=verified["work"] / "state")
    assert result.code == 1, result.err[-1500:]
    assert "missing" in result.out


def test_history_lists_runs_and_open_findings(verified: dict[str, Any], cli: Any) -> None:
    """`history` shows the verify run and the open findings with their age."""
    result = cli(*verified["base"][:4], "history", state=verified["work"] / "state")
    assert result.code == 0, result.err
    run_id = json.loads((verified["bundle"] / "run.json").read_text())["run_id"]
    assert run_id in result.out and "drift" in result.out
    assert "access_retained:portal_users:mark.jensen@acme.example" in result.out


def test_doctor_all_pages_ok_exits_0(verified: dict[str, Any], cli: Any) -> None:
    """`doctor` signs in and prints a per-page table; every page matches: exit 0."""
    result = cli(*verified["base"][:4], "doctor", *verified["portal"])
    assert result.code == 0, result.out + result.err[-1500:]
    assert "sign-in: ok" in result.out
    for page in ("dashboard", "user_monitoring", "portal_users", "groups", "audit_trail",
                 "directory_sync", "api_tokens"):
        assert f"| {page}" in result.out and "CHANGED" not in result.out


def test_doctor_changed_layout_exits_3(verified: dict[str, Any], cli: Any, portal: Any) -> None:
    """A renamed column shows as CHANGED in the table and exits 3."""
    portal.control.faults(layout="renamed_column")
    result = cli(*verified["base"][:4], "doctor", *verified["portal"])
    assert result.code == 3, result.out + result.err[-1500:]
    assert "CHANGED" in result.out


def test_debug_headless_keeps_a_trace(verified: dict[str, Any], cli: Any) -> None:
    """`debug` records a trace into the bundle and says how to open it."""
    result = cli(*verified["base"][:4], "debug", "--headless", *verified["portal"],
                 *verified["idp"])
    assert result.code == 1, result.err[-1500:]
    trace = result.bundle() / "trace.zip"
    assert trace.is_file()
    assert f"playwright show-trace {trace}" in result.out
