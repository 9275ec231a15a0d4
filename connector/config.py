"""Settings: command line > environment > `.env` > TOML file > defaults (pydantic-settings).

Environment variables are `TESSIAN_<SETTING>` (e.g. `TESSIAN_PORTAL_PASSWORD`,
`TESSIAN_GRACE_PERIOD`); Okta and Entra settings also answer to `OKTA_<X>` / `ENTRA_<X>`
(e.g. `OKTA_API_TOKEN`, `ENTRA_CLIENT_SECRET`); retention: `TESSIAN_HISTORY_KEEP_DAYS`,
`TESSIAN_REPORTS_KEEP_DAYS` (connector.commands.retention). The TOML file holds shared settings at the top
and one `[tenants.NAME]` table per tenant (see `connector.config_file`). Every secret is a
`SecretStr`. A bad setting raises one `ConfigError` naming it; nothing here runs at import time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from connector.allowlist import checked_rules, inline_rules, read_exceptions, reject_duplicate_rules
from connector.config_checks import (
    CertificateFile,
    Email,
    Executable,
    KeyFile,
    PostgresUrl,
    PrivateKey,
    TotpSeed,
    WebUrl,
    WritableDir,
    domains,
    parse_duration,
    parse_mapping,
)
from connector.config_errors import Origins, describe_errors
from connector.config_file import read_config_file
from connector.config_sources import OwnKeysOnly, check_dotenv
from connector.errors import ConfigError
from connector.models import ExceptionRule, Policy, Severity
from connector.notify import url_list
from connector.redaction import credential_problem

# No trailing '.': folder names drop it, so 'acme.' would share reports/acme/ with 'acme'.
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?$")
# Where the credential belongs instead of inside the URL setting.
_SECRET_VAR = {"portal_url": "TESSIAN_PORTAL_PASSWORD", "okta_org_url": "OKTA_API_TOKEN",
               "entra_graph_url": "ENTRA_CLIENT_SECRET",
               "entra_authority_url": "ENTRA_CLIENT_SECRET"}


def _alt(name: str, default: Any = None, **kw: Any) -> Any:
    """A provider field readable as TESSIAN_<NAME> or <NAME> (e.g. OKTA_API_TOKEN)."""
    return Field(default=default, validation_alias=AliasChoices(f"tessian_{name}", name), **kw)


CommaList = Annotated[tuple[str, ...], NoDecode]
InlineRules = Annotated[tuple[ExceptionRule, ...], BeforeValidator(checked_rules)]
_ON_OFF = {"true": "on", "1": "on", "yes": "on", "false": "off", "0": "off", "no": "off"}
# --trace gives True ("on"); booleans and their usual spellings still work.
TraceMode = Annotated[Literal["on", "off", "on-failure"],
                      BeforeValidator(lambda v: _ON_OFF.get(str(v).strip().casefold(), v))]
StrMap = Annotated[dict[str, str], NoDecode]
NotifyUrls = Annotated[tuple[SecretStr, ...], NoDecode, BeforeValidator(url_list)]


class Settings(BaseSettings):
    """Every setting of the connector for one tenant."""

    model_config = SettingsConfigDict(
        env_prefix="TESSIAN_", extra="forbid", frozen=True, validate_default=True,
        populate_by_name=True, env_ignore_empty=True, case_sensitive=False,
    )

    # Set on the per-call subclass made by `load_settings` (a class value, never a global).
    toml_values: ClassVar[Mapping[str, Any]] = {}

    tenant: str = "default"
    # portal and credentials
    portal_url: WebUrl = None
    portal_email: Email = None
    portal_password: SecretStr | None = None
    portal_totp_secret: TotpSeed = None  # spaces, lower case, padding: normalised
    portal_sso: Literal["none", "okta", "entra"] = "none"
    portal_sso_username: str | None = None
    portal_sso_password: SecretStr | None = None
    api_token: SecretStr | None = None
    mode: Literal["dom", "api", "cross-check"] = "dom"
    page_size: int = Field(default=250, ge=1)
    # policy
    grace_period: timedelta = timedelta(hours=24)
    in_scope_domains: CommaList = ()
    domain_map: StrMap = Field(default_factory=dict)
    exceptions_file: Path | None = None
    exceptions: InlineRules = ()  # the settings file's own [[exceptions]]
    fail_level: Severity = Severity.LOW
    shrink_guard_share: float = Field(default=0.2, ge=0.0, le=1.0)
    # surfaces: Directory Sync older than this is unhealthy; the API Tokens row the connector uses
    sync_stale_after: timedelta = timedelta(hours=24)
    api_token_name: str | None = None
    # browser
    browser_headless: bool = True
    browser_slow_mo_ms: int = Field(default=0, ge=0)
    browser_executable: Executable = None
    browser_channel: str | None = None
    browser_timeout_ms: int = Field(default=15_000, gt=0)
    browser_trace: TraceMode = "on-failure"  # on-failure: kept only when a run is inconclusive
    browser_pause_on_failure: bool = False
    locator_overrides: StrMap = Field(default_factory=dict)
    run_timeout_s: int = Field(default=1800, gt=0)
    # paths
    state_dir: WritableDir = Path(".state")
    reports_dir: WritableDir = Path("reports")
    history_keep_days: int = Field(default=400, ge=0)  # 0: keep every run (see retention docs)
    reports_keep_days: int = Field(default=30, ge=0)  # inconclusive bundles: at least 30
    # outputs: node_exporter textfile folder; verify writes tessian_<tenant>.prom there
    metrics_dir: WritableDir | None = None
    # history store (part: history): PostgreSQL when set, else <state_dir>/history.sqlite3
    history_url: PostgresUrl = None  # never with a password: see config_checks.postgres_url
    history_password: SecretStr | None = None
    # identity source
    idp: Literal["okta", "entra", "file"] | None = None
    idp_file: Path | None = None
    okta_org_url: WebUrl = _alt("okta_org_url")
    okta_app_id: str | None = _alt("okta_app_id")
    okta_portal_app_id: str | None = _alt("okta_portal_app_id")
    okta_group_id: str | None = _alt("okta_group_id")
    okta_portal_group_id: str | None = _alt("okta_portal_group_id")
    okta_api_token: SecretStr | None = _alt("okta_api_token")
    okta_client_id: str | None = _alt("okta_client_id")
    okta_private_key: PrivateKey = _alt("okta_private_key")
    okta_private_key_file: KeyFile = _alt("okta_private_key_file")
    okta_scopes: CommaList = _alt(
        "okta_scopes", ("okta.users.read", "okta.apps.read", "okta.groups.read", "okta.logs.read"))
    okta_logs_since_days: int | None = _alt("okta_logs_since_days", None, ge=1, le=180)
    entra_tenant_id: str | None = _alt("entra_tenant_id")
    entra_client_id: str | None = _alt("entra_client_id")
    entra_client_secret: SecretStr | None = _alt("entra_client_secret")
    entra_certificate_path: CertificateFile = _alt("entra_certificate_path")
    entra_app_id: str | None = _alt("entra_app_id")
    entra_portal_app_id: str | None = _alt("entra_portal_app_id")
    entra_graph_url: WebUrl = _alt("entra_graph_url")
    entra_authority_url: WebUrl = _alt("entra_authority_url")
    # notifications (connector.notify): apprise URLs carry webhook tokens, hence secrets
    notify_urls: NotifyUrls = ()
    notify_policy: Literal["change", "always", "never"] = "change"
    notify_inconclusive_streak: int = Field(default=3, ge=1, le=30)  # history hands back 30 runs

    @field_validator("portal_url", "okta_org_url", "entra_graph_url", "entra_authority_url")
    @classmethod
    def _no_credentials(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A password in a URL would reach every log line, trace and report that shows the URL.
        problem = credential_problem(value) if value else None
        if problem:
            name = str(info.field_name)
            raise ValueError(f"{name} {problem}; use {_SECRET_VAR[name]}")
        return value

    @field_validator("tenant")
    @classmethod
    def _tenant_name(cls, value: str) -> str:
        if not _TENANT.match(value):
            raise ValueError("use letters, digits, '.', '_' or '-', not ending in '.' (it names "
                             "folders)")
        return value

    @field_validator("grace_period", "sync_stale_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("grace_period", "sync_stale_after")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    @field_validator("in_scope_domains", "okta_scopes", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v for v in re.split(r"[,\s]+", value) if v)
        return value

    @field_validator("in_scope_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return domains(value)

    @field_validator("domain_map", "locator_overrides", mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        return parse_mapping(value) if isinstance(value, str) else value

    @field_validator("shrink_guard_share", mode="before")
    @classmethod
    def _share(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().endswith("%"):
            return float(value.strip()[:-1]) / 100
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """CLI (init) > environment > .env > TOML (a subclass made by load_settings) > defaults."""
        toml = InitSettingsSource(settings_cls, dict(cls.toml_values))
        return (init_settings, env_settings, OwnKeysOnly(settings_cls, dotenv_settings), toml)

    def policy(self) -> Policy:
        """The evaluation policy, with the exceptions file read and validated."""
        rules = (*self.exceptions,
                 *(read_exceptions(self.exceptions_file) if self.exceptions_file else ()))
        if self.exceptions and self.exceptions_file:
            reject_duplicate_rules(rules, self.exceptions_file)
        try:
            return Policy(grace_period=self.grace_period, in_scope_domains=self.in_scope_domains,
                          domain_map={k.casefold(): v.casefold()
                                      for k, v in self.domain_map.items()},
                          exceptions=rules, fail_level=self.fail_level,
                          shrink_guard_share=self.shrink_guard_share,
                          sync_stale_after=self.sync_stale_after,
                          api_token_name=self.api_token_name)
        except ValidationError as exc:  # pragma: no cover - Settings validates the same bounds
            raise ConfigError(f"invalid policy: {exc.errors()[0]['msg']}") from exc

    def redacted(self) -> dict[str, Any]:
        """The settings as JSON-ready values, secrets shown as '**********' (for `config show`)."""
        return self.model_dump(mode="json")


def load_settings(
    cli: Mapping[str, object],
    *,
    config_file: Path | None,
    env_file: Path | None,
    tenant: str | None,
    flags: Mapping[str, str] | None = None,
) -> Settings:
    """Load one tenant's settings from every layer; any problem is one ConfigError.

    `cli` maps setting names to values given on the command line (None values are ignored, so
    argparse defaults of None let lower layers show through). `env_file` None reads no `.env`;
    a path that does not exist is ignored. `tenant` None falls back to TESSIAN_TENANT, then to
    the file's `default_tenant`, then to its only tenant. `flags` maps settings to the flags
    that set them, for error messages.
    """
    unknown = sorted(set(cli) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"unknown setting '{unknown[0]}' given on the command line")
    check_dotenv(env_file, set(Settings.model_fields))
    chosen = tenant or _text(cli.get("tenant")) or os.environ.get("TESSIAN_TENANT") or None
    name, file_values = read_config_file(config_file, chosen, set(Settings.model_fields))
    if config_file is not None and "exceptions" in file_values:
        file_values["exceptions"] = inline_rules(config_file, file_values["exceptions"])
    loader = type("Settings", (Settings,), {"toml_values": file_values})
    given = {k: v for k, v in cli.items() if v is not None}
    given["tenant"] = name
    try:
        return loader(_env_file=env_file, **given)  # type: ignore[no-any-return]
    except ValidationError as exc:
        # The tenant name came from --tenant, TESSIAN_TENANT or the file: say which.
        shown = {k: v for k, v in given.items() if k != "tenant" or tenant or cli.get("tenant")}
        named = {**file_values, "tenant": name} if config_file is not None else file_values
        origins = Origins(shown, env_file, config_file, named, dict(flags or {}))
        raise ConfigError(describe_errors(exc, Settings, origins)) from None
    except SettingsError as exc:
        raise ConfigError(f"invalid setting: {exc}") from None


def _text(value: object) -> str | None:
    return None if value is None else str(value)
