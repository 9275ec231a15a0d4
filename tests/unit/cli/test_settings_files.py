"""The demo policy works as a settings file (inline [[exceptions]], checked as strictly as an
exceptions file), the browser_trace modes, and the CLI's portal read reusing flows' PortalRead."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from connector.cli import main
from connector.commands.demo import demo_policy
from connector.commands.portal import PortalData, failed_read
from connector.commands.settings_adapter import load_wiring
from connector.errors import ConfigError, InputFileError, SignInError
from connector.models import Outcome, Snapshot

ROOT = Path(__file__).resolve().parents[3]
DEMO_POLICY = ROOT / "fixtures" / "demo" / "policy.toml"
ENTRY = ('[[exceptions]]\nemail = "a@acme.example"\noutcome = "orphan"\nowner = "o@acme.example"\n'
         'reason = "r"\nexpires = "2030-01-01T00:00:00Z"\n')


def _wiring(config: Path, **cli: object) -> object:
    return load_wiring(cli, config_file=config, env_file=None, tenant="demo")


def test_demo_policy_loads_as_the_settings_file() -> None:
    """--config fixtures/demo/policy.toml gives exactly the demo Policy, both exceptions included."""
    policy = _wiring(DEMO_POLICY).policy  # type: ignore[attr-defined]
    assert policy == demo_policy(ROOT)
    assert [(r.email, r.outcome) for r in policy.exceptions] == [
        ("scanner@acme.example", Outcome.ORPHAN), ("legacy.archive@acme.example", None)]


def test_demo_policy_through_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`tessian-connector --config fixtures/demo/policy.toml history` runs (exit 0), no error."""
    monkeypatch.chdir(tmp_path)
    code = main(["--config", str(DEMO_POLICY), "--state-dir", str(tmp_path / "state"), "history"])
    assert code == 0, capsys.readouterr().err
    assert "error" not in capsys.readouterr().err


@pytest.mark.parametrize(("change", "field"), [
    ('outcome = "orphan"', "outcome = \"in_sync\""),
    ('reason = "r"\n', 'reason = "r"\nticket = "CHG-1"\n'),
    ('owner = "o@acme.example"\n', ""),
    ('expires = "2030-01-01T00:00:00Z"', 'expires = "next year"'),
])
def test_inline_exceptions_are_checked_like_the_exceptions_file(
    tmp_path: Path, change: str, field: str
) -> None:
    """A bad inline entry (outcome not allow-listable, unknown key, missing owner, bad date) is a
    configuration error naming the settings file and the entry's line."""
    config = tmp_path / "connector.toml"
    config.write_text('fail_level = "low"\n\n' + ENTRY.replace(change, field))
    with pytest.raises(InputFileError) as caught:
        _wiring(config)
    assert caught.value.path == str(config) and caught.value.line == 3


def test_inline_duplicate_of_the_exceptions_file_is_refused(tmp_path: Path) -> None:
    """The same address and outcome inline and in the exceptions file: which wins would be a
    guess, so the policy is refused."""
    rules = tmp_path / "exceptions.toml"
    rules.write_text(ENTRY)
    config = tmp_path / "connector.toml"
    config.write_text(f'exceptions_file = "{rules.name}"\n' + ENTRY)
    with pytest.raises(ConfigError, match="duplicate entry for a@acme.example"):
        _wiring(config).policy  # type: ignore[attr-defined]


@pytest.mark.parametrize(("given", "mode"), [
    ({}, "on-failure"), ({"trace": True}, "on"), ({"trace": "off"}, "off"),
    ({"trace": "false"}, "off"), ({"trace": "on-failure"}, "on-failure")])
def test_browser_trace_modes(tmp_path: Path, given: dict[str, object], mode: str) -> None:
    """browser_trace defaults to on-failure; --trace is on; booleans still read as on/off."""
    config = tmp_path / "c.toml"
    config.write_text("")
    assert _wiring(config, **given).browser.trace == mode  # type: ignore[attr-defined]


def test_unknown_trace_mode_is_a_config_error(tmp_path: Path) -> None:
    """browser_trace = "sometimes" is refused with the allowed values."""
    config = tmp_path / "c.toml"
    config.write_text('[browser]\ntrace = "sometimes"\n')
    with pytest.raises(ConfigError, match="'on', 'off' or 'on-failure'"):
        _wiring(config)


def test_portal_data_reuses_portal_read() -> None:
    """A failed read is flows' PortalRead with incomplete records; its snapshot fields are exactly
    PortalRead's, which Snapshot accepts by name."""
    from flows.collect import PortalRead

    data = failed_read(SignInError("Incorrect email or password."))
    assert isinstance(data.read, PortalRead) and not data.complete
    names = {f.name for f in dataclasses.fields(PortalRead)}
    assert set(data.snapshot_fields()) == names and names <= set(Snapshot.model_fields)
    assert {c.surface for c in data.read.collections} == {
        "user_monitoring", "portal_users", "groups", "audit_trail", "directory_sync", "api_tokens"}
    assert all(not c.complete for c in data.read.collections)
    assert not any(f.name in names for f in dataclasses.fields(PortalData))  # no repeat of them
