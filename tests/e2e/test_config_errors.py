"""Every kind of bad configuration or input file: exit 2, one readable line naming it, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.lock import tenant_lock

pytestmark = pytest.mark.e2e

PORTAL = ["--portal-url", "http://127.0.0.1:9", "--portal-email", "a@acme.example",
          "--portal-password", "x-Passw0rd!"]


def _assert_usage_error(result: Any, *needles: str) -> str:
    """Exit 2; stderr is `error: …` naming the culprit, then `remedy: …`; nothing else."""
    assert result.code == 2, (result.out, result.err)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert "Traceback" not in result.err
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1].startswith("remedy: "), lines
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def test_unknown_flag(cli: Any) -> None:
    """An unknown flag names itself."""
    _assert_usage_error(cli("verify", "--portal-ulr", "x"), "--portal-ulr")


def test_bad_flag_value(cli: Any) -> None:
    """A non-number for a number flag names the flag."""
    _assert_usage_error(cli("verify", "--slow-mo", "fast"), "--slow-mo")


def test_missing_config_file(cli: Any, tmp_path: Path) -> None:
    """--config pointing nowhere names the file."""
    _assert_usage_error(cli("--config", str(tmp_path / "nope.toml"), "verify"), "nope.toml")


def test_toml_syntax_error_names_file_and_line(cli: Any, tmp_path: Path) -> None:
    """A TOML syntax error names the file and the line."""
    config = tmp_path / "c.toml"
    config.write_text('portal_url = "https://x"\nfail_level = \n')
    _assert_usage_error(cli("--config", str(config), "verify"), "c.toml:2")


def test_unknown_setting_in_toml(cli: Any, tmp_path: Path) -> None:
    """A misspelt setting in the TOML file is named with its line."""
    config = tmp_path / "c.toml"
    config.write_text('portal_url = "https://x"\ngrace_periode = "24h"\n')
    _assert_usage_error(cli("--config", str(config), "verify"), "grace_periode")


def test_invalid_setting_value_from_environment(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalid value in the environment names the setting and its variable."""
    monkeypatch.setenv("TESSIAN_FAIL_LEVEL", "catastrophic")
    _assert_usage_error(cli("verify", *PORTAL), "fail_level")


def test_unknown_tenant(cli: Any, tmp_path: Path) -> None:
    """--tenant naming a tenant the file does not have names it."""
    config = tmp_path / "c.toml"
    config.write_text('[tenants.acme]\nportal_url = "https://acme.example"\n')
    _assert_usage_error(cli("--config", str(config), "--tenant", "globex", "verify"), "globex")


def test_missing_portal_url(cli: Any) -> None:
    """No portal URL anywhere names the setting and its variable."""
    _assert_usage_error(cli("verify", "--idp", "file", "--idp-file", "x.csv"),
                        "portal URL", "TESSIAN_PORTAL_URL")


def test_missing_identity_source(cli: Any) -> None:
    """No identity source configured names --idp."""
    _assert_usage_error(cli("verify", *PORTAL), "--idp")


def test_missing_export_file(cli: Any, tmp_path: Path) -> None:
    """An export file that does not exist is named."""
    _assert_usage_error(cli("verify", *PORTAL, "--idp", "file", "--idp-file",
                            str(tmp_path / "gone.csv")), "gone.csv")


def test_bad_csv_export_names_file_line_field(cli: Any, tmp_path: Path) -> None:
    """A bad value in the CSV export is reported as file:line: field."""
    export = tmp_path / "ids.csv"
    export.write_text("id,email,display_name,aliases,active,protected,portal_access,changed_at,"
                      "provisioning_error\n1,a@acme.example,A,,true,true,false,,\n"
                      "2,b@acme.example,B,,maybe,true,false,,\n")
    _assert_usage_error(cli("verify", *PORTAL, "--idp", "file", "--idp-file", str(export)),
                        "ids.csv:3", "active")


def test_bad_json_export_names_file(cli: Any, tmp_path: Path) -> None:
    """A JSON export that is not JSON names the file."""
    export = tmp_path / "ids.json"
    export.write_text('{"identities": [\n{"id": "1",,}]}')
    _assert_usage_error(cli("expected", "--idp", "file", "--idp-file", str(export), "--out",
                            str(tmp_path / "o.json")), "ids.json")


def test_bad_exceptions_file_names_file_and_field(cli: Any, tmp_path: Path) -> None:
    """An exception without a timezone on `expires` names file, line and field."""
    rules = tmp_path / "exceptions.toml"
    rules.write_text('[[exceptions]]\nemail = "a@acme.example"\nowner = "me"\nreason = "r"\n'
                     'expires = "2030-01-01"\n')
    config = tmp_path / "c.toml"
    config.write_text(f'exceptions_file = "{rules}"\n')
    _assert_usage_error(cli("--config", str(config), "verify", *PORTAL), "exceptions.toml",
                        "expires")


def test_okta_without_org_url(cli: Any, tmp_path: Path) -> None:
    """--idp okta without an org URL names the flag."""
    _assert_usage_error(cli("expected", "--idp", "okta", "--out", str(tmp_path / "o.json")),
                        "--okta-org-url")


def test_report_from_a_file_that_is_not_a_bundle(cli: Any, tmp_path: Path) -> None:
    """report --from a JSON file that is neither snapshot nor report names the file."""
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    _assert_usage_error(cli("report", "--from", str(bogus)), "bogus.json")


def test_locked_tenant(cli: Any, tmp_path: Path, demo_export: Path) -> None:
    """A second run for a tenant whose lock is held exits 2 naming the lock."""
    with tenant_lock(tmp_path / ".state", "default", run_id="other-run"):
        result = cli("verify", *PORTAL, "--idp", "file", "--idp-file", str(demo_export))
    _assert_usage_error(result, "other-run", "in progress")


def test_demo_without_the_fixtures_folder(cli: Any, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """Installed from a wheel (no fixtures next to the package, none here): exit 2 saying so."""
    import connector

    fake = tmp_path / "site-packages" / "connector" / "__init__.py"
    monkeypatch.setattr(connector, "__file__", str(fake))
    _assert_usage_error(cli("demo"), "fixtures folder", "wheel")


def test_debug_without_a_display(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`debug` (headed) on a machine with no display says to use --headless or xvfb-run."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = cli("debug", *PORTAL, "--idp", "file", "--idp-file", "x.csv")
    _assert_usage_error(result, "no display")
    assert "--headless" in result.err


def test_console_script_usage_error_exits_2(h: Any, tmp_path: Path) -> None:
    """Through the real entry point (a subprocess): a usage error is exit 2 and two lines."""
    import subprocess

    done = subprocess.run([*h.console_script(), "verify", "--no-such-flag"], cwd=tmp_path,
                          env=h.clean_env(), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "--no-such-flag" in lines[0] and lines[1].startswith("remedy: ")
