"""Settings: the precedence of every layer, tenants, secrets, and one readable error per problem."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from connector.config import Settings, load_settings, parse_duration
from connector.config_reference import settings_reference
from connector.errors import ConfigError
from connector.models import Outcome, Severity


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TESSIAN_/OKTA_/ENTRA_ variable of the machine leaks into these tests."""
    for name in list(os.environ):
        if name.upper().startswith(("TESSIAN_", "OKTA_", "ENTRA_")):
            monkeypatch.delenv(name)


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tessian.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _dotenv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def _load(cli: dict | None = None, *, toml: Path | None = None, env_file: Path | None = None,
          tenant: str | None = None):  # noqa: ANN202
    return load_settings(cli or {}, config_file=toml, env_file=env_file, tenant=tenant)


# --- precedence: one test per layer boundary --------------------------------------------------


def test_default_when_nothing_is_set() -> None:
    """With no layer set, the documented defaults apply."""
    s = _load()
    assert (s.grace_period, s.state_dir, s.reports_dir, s.tenant) == (
        timedelta(hours=24), Path(".state"), Path("reports"), "default")
    assert (s.browser_headless, s.fail_level, s.shrink_guard_share) == (True, Severity.LOW, 0.2)


def test_toml_beats_defaults(tmp_path: Path) -> None:
    """A value in the TOML file replaces the default."""
    assert _load(toml=_toml(tmp_path, 'grace_period = "3d"')).grace_period == timedelta(days=3)


def test_dotenv_beats_toml(tmp_path: Path) -> None:
    """A value in .env replaces the TOML file's."""
    s = _load(toml=_toml(tmp_path, 'grace_period = "3d"'),
              env_file=_dotenv(tmp_path, "TESSIAN_GRACE_PERIOD=2h\n"))
    assert s.grace_period == timedelta(hours=2)


def test_environment_beats_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment variable replaces the .env file's value."""
    monkeypatch.setenv("TESSIAN_GRACE_PERIOD", "90m")
    s = _load(toml=_toml(tmp_path, 'grace_period = "3d"'),
              env_file=_dotenv(tmp_path, "TESSIAN_GRACE_PERIOD=2h\n"))
    assert s.grace_period == timedelta(minutes=90)


def test_cli_beats_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command-line value replaces the environment's; a None flag (not given) does not."""
    monkeypatch.setenv("TESSIAN_GRACE_PERIOD", "90m")
    monkeypatch.setenv("TESSIAN_PORTAL_EMAIL", "env@x.com")
    s = _load({"grace_period": "5m", "portal_email": None}, toml=_toml(tmp_path, 'grace_period = "3d"'))
    assert (s.grace_period, s.portal_email) == (timedelta(minutes=5), "env@x.com")


# --- credentials and secrets ------------------------------------------------------------------


def test_portal_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The four documented TESSIAN_* variables fill the credentials; secrets stay SecretStr."""
    for name, value in (("EMAIL", "v@x.com"), ("PASSWORD", "pw-123"), ("TOTP_SECRET", "JBSWY3DPEHPK3PXP")):
        monkeypatch.setenv(f"TESSIAN_PORTAL_{name}", value)
    monkeypatch.setenv("TESSIAN_API_TOKEN", "tok-456")
    s = _load()
    assert s.portal_email == "v@x.com"
    assert isinstance(s.portal_password, SecretStr) and s.portal_password.get_secret_value() == "pw-123"
    assert s.portal_totp_secret.get_secret_value() == "JBSWY3DPEHPK3PXP"  # type: ignore[union-attr]
    assert s.api_token.get_secret_value() == "tok-456"  # type: ignore[union-attr]
    assert "pw-123" not in repr(s) and "tok-456" not in str(s.redacted())


def test_provider_secrets_answer_to_vendor_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """OKTA_API_TOKEN and ENTRA_CLIENT_SECRET work, as do the TESSIAN_-prefixed names."""
    monkeypatch.setenv("OKTA_API_TOKEN", "okta-secret")
    monkeypatch.setenv("TESSIAN_ENTRA_CLIENT_SECRET", "entra-secret")
    monkeypatch.setenv("OKTA_ORG_URL", "https://acme.okta.com")
    s = _load({"entra_tenant_id": "t-1"})
    assert s.okta_api_token.get_secret_value() == "okta-secret"  # type: ignore[union-attr]
    assert s.entra_client_secret.get_secret_value() == "entra-secret"  # type: ignore[union-attr]
    assert (s.okta_org_url, s.entra_tenant_id) == ("https://acme.okta.com", "t-1")


def test_secret_values_never_appear_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad secret is named, but its value is not echoed."""
    with pytest.raises(ConfigError) as caught:
        _load({"portal_password": 123456789})
    assert "portal_password" in str(caught.value) and "123456789" not in str(caught.value)


# --- tenants and the TOML layout --------------------------------------------------------------

TENANTS = """
grace_period = "2d"
[policy]
fail_level = "medium"
[tenants.acme]
portal_url = "https://acme.example"
[tenants.acme.portal]
email = "verifier@acme.example"
[tenants.acme.policy]
grace_period = "6h"
[tenants.acme.idp]
kind = "file"
file = "exports/ids.csv"
[tenants.acme.domain_map]
"Old.Example" = "acme.example"
[tenants.beta]
portal_url = "https://beta.example"
"""


def test_tenant_table_overrides_shared_settings(tmp_path: Path) -> None:
    """--tenant picks a table; its settings beat the shared ones; sections flatten to names."""
    s = _load(toml=_toml(tmp_path, TENANTS), tenant="acme")
    assert (s.tenant, s.portal_url, s.portal_email) == ("acme", "https://acme.example", "verifier@acme.example")
    assert (s.grace_period, s.fail_level, s.idp) == (timedelta(hours=6), Severity.MEDIUM, "file")
    assert s.idp_file == tmp_path / "exports/ids.csv"  # relative to the TOML file
    assert s.policy().domain_map == {"old.example": "acme.example"}
    other = _load(toml=_toml(tmp_path, TENANTS), tenant="beta")
    assert (other.portal_url, other.grace_period, other.portal_email) == ("https://beta.example",
                                                                          timedelta(days=2), None)


def test_several_tenants_need_a_choice(tmp_path: Path) -> None:
    """Without --tenant, several tenants is an error listing them."""
    with pytest.raises(ConfigError, match=r"several tenants \(acme, beta\).*--tenant"):
        _load(toml=_toml(tmp_path, TENANTS))


def test_tenant_from_environment_or_default_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TESSIAN_TENANT, then default_tenant, choose when --tenant is absent."""
    assert _load(toml=_toml(tmp_path, 'default_tenant = "beta"\n' + TENANTS)).tenant == "beta"
    monkeypatch.setenv("TESSIAN_TENANT", "acme")
    assert _load(toml=_toml(tmp_path, TENANTS)).tenant == "acme"


def test_single_tenant_is_the_default(tmp_path: Path) -> None:
    """With one tenant in the file, it is chosen without --tenant."""
    assert _load(toml=_toml(tmp_path, '[tenants.solo]\nportal_url = "https://s"')).tenant == "solo"


def test_unknown_tenant_lists_the_known_ones(tmp_path: Path) -> None:
    """Asking for a tenant the file does not list names the ones it does."""
    with pytest.raises(ConfigError, match="no tenant 'gamma'; the file lists: acme, beta"):
        _load(toml=_toml(tmp_path, TENANTS), tenant="gamma")


# --- one readable error per problem -----------------------------------------------------------


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """A TOML syntax error is one message with the file and line, not a traceback."""
    path = _toml(tmp_path, '[tenants.acme]\nportal_url = "https://x\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: invalid TOML"):
        _load(toml=path)


def test_unknown_toml_key_is_named_with_its_line(tmp_path: Path) -> None:
    """A misspelt setting in the file is named, with its line."""
    path = _toml(tmp_path, '[tenants.acme]\nportal_url = "https://x"\ngrace_perod = "3d"\n')
    with pytest.raises(ConfigError, match=rf"^{path}:3: 'grace_perod': unknown setting"):
        _load(toml=path)


def test_unknown_dotenv_key_is_named(tmp_path: Path) -> None:
    """A misspelt TESSIAN_ variable in .env is reported, not ignored."""
    with pytest.raises(ConfigError, match=r"\.env:1: unknown setting 'TESSIAN_GRACE_PEROD'"):
        _load(env_file=_dotenv(tmp_path, "TESSIAN_GRACE_PEROD=3d\n"))


@pytest.mark.parametrize(("cli", "setting"), [
    ({"grace_period": "3 fortnights"}, "grace_period"),
    ({"grace_period": "-2h"}, "grace_period"),
    ({"sync_stale_after": "soon"}, "sync_stale_after"),
    ({"fail_level": "severe"}, "fail_level"),
    ({"shrink_guard_share": 1.5}, "shrink_guard_share"),
    ({"browser_timeout_ms": 0}, "browser_timeout_ms"),
    ({"idp": "ldap"}, "idp"),
    ({"mode": "scrape"}, "mode"),
    ({"tenant": "../etc"}, "tenant"),
    ({"domain_map": "old.com"}, "domain_map"),
])
def test_bad_value_is_one_message_naming_the_setting(cli: dict, setting: str) -> None:
    """Each bad value raises ConfigError naming the setting and its variable, no pydantic dump."""
    with pytest.raises(ConfigError) as caught:
        _load(cli)
    message = str(caught.value)
    assert message.startswith(f"setting '{setting}' from the command line (flag, TESSIAN_{setting.upper()}")
    assert "validation error" not in message and "\n" not in message
    assert caught.value.__suppress_context__


def test_error_names_the_layer_that_gave_the_bad_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The message says whether the environment, .env or the TOML file holds the bad value."""
    toml = _toml(tmp_path, 'fail_level = "severe"')
    with pytest.raises(ConfigError, match=rf"^setting 'fail_level' from {toml}:1 "):
        _load(toml=toml)
    dotenv = _dotenv(tmp_path, "TESSIAN_FAIL_LEVEL=severe\n")
    with pytest.raises(ConfigError, match=rf"^setting 'fail_level' from {dotenv}:1 "):
        _load(env_file=dotenv)
    monkeypatch.setenv("OKTA_LOGS_SINCE_DAYS", "0")
    with pytest.raises(ConfigError, match=r"^setting 'okta_logs_since_days' from the environment "
                                          r"\(OKTA_LOGS_SINCE_DAYS\)"):
        _load()


def test_other_tools_dotenv_variables_are_ignored(tmp_path: Path) -> None:
    """A shared .env may hold other tools' variables; only TESSIAN_ typos are errors."""
    s = _load(env_file=_dotenv(tmp_path, "DATABASE_URL=postgres://x\nOKTA_API_TOKEN=t\n"))
    assert s.okta_api_token.get_secret_value() == "t"  # type: ignore[union-attr]


def test_unknown_cli_setting_is_rejected() -> None:
    """The composition root passing a name that is not a setting fails loudly."""
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        _load({"colour": "blue"})


# --- value forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("24h", timedelta(hours=24)), ("3d", timedelta(days=3)), ("90m", timedelta(minutes=90)),
    ("1d12h", timedelta(days=1, hours=12)), ("2w", timedelta(weeks=2)), ("45s", timedelta(seconds=45)),
])
def test_durations(text: str, expected: timedelta) -> None:
    """Grace periods read as 24h, 3d, 90m, 1d12h, 2w, 45s."""
    assert parse_duration(text) == expected


def test_surface_settings_reach_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """sync_stale_after (a duration) and api_token_name become the policy's surface fields."""
    monkeypatch.setenv("TESSIAN_SYNC_STALE_AFTER", "36h")
    monkeypatch.setenv("TESSIAN_API_TOKEN_NAME", "Connector (read-only)")
    policy = _load().policy()
    assert (policy.sync_stale_after, policy.api_token_name) == (
        timedelta(hours=36), "Connector (read-only)")
    assert Settings.model_fields["sync_stale_after"].default == timedelta(hours=24)


def test_iso_durations_work_too(tmp_path: Path) -> None:
    """An ISO-8601 duration (as in the demo policy) is accepted as well."""
    assert _load(toml=_toml(tmp_path, 'grace_period = "PT36H"')).grace_period == timedelta(hours=36)


def test_list_and_map_forms_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists are comma-separated and maps key=value pairs (or JSON) in environment variables."""
    monkeypatch.setenv("TESSIAN_IN_SCOPE_DOMAINS", "X.com, @y.com")
    monkeypatch.setenv("TESSIAN_DOMAIN_MAP", "old.com=x.com,legacy.com=x.com")
    monkeypatch.setenv("TESSIAN_LOCATOR_OVERRIDES", '{"user_monitoring.table": "role=grid"}')
    monkeypatch.setenv("TESSIAN_SHRINK_GUARD_SHARE", "25%")
    s = _load()
    assert s.in_scope_domains == ("x.com", "y.com")
    assert s.domain_map == {"old.com": "x.com", "legacy.com": "x.com"}
    assert s.locator_overrides == {"user_monitoring.table": "role=grid"}
    assert s.shrink_guard_share == 0.25


def test_policy_reads_the_exceptions_file(tmp_path: Path) -> None:
    """Settings.policy() carries every policy setting and the validated exceptions."""
    rules = tmp_path / "exceptions.toml"
    rules.write_text('[[exceptions]]\nemail = "a@x.com"\noutcome = "orphan"\nowner = "o"\n'
                     'reason = "r"\nexpires = 2027-01-01T00:00:00Z\n')
    policy = _load({"exceptions_file": str(rules), "fail_level": "high", "grace_period": "3d"}).policy()
    assert (policy.fail_level, policy.grace_period) == (Severity.HIGH, timedelta(days=3))
    assert [(r.email, r.outcome) for r in policy.exceptions] == [("a@x.com", Outcome.ORPHAN)]


def test_settings_reference_lists_every_setting() -> None:
    """The generated reference table names each setting once, with readable defaults, no secrets."""
    table = settings_reference()
    for name in Settings.model_fields:
        assert table.count(f"| `{name}` |") == 1
    assert "| `grace_period` | `TESSIAN_GRACE_PERIOD` | `24h` |" in table
    assert "`OKTA_API_TOKEN` | (secret) |" in table
