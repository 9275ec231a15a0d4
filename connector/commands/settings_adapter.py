"""Translate between the command line's flag names, CORE's Settings, and the plain `Wiring`.

The only module that knows both vocabularies: flags are named for people (`--totp-secret`,
`--headed`), settings for the configuration file and environment (`portal_totp_secret`,
`browser_headless`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connector.commands.context import BrowserWiring, IdpWiring, PortalWiring, Wiring
from connector.errors import ConfigError
from connector.notify import NotifyWiring

# argparse dest -> Settings field (same name when absent)
FLAG_TO_SETTING: dict[str, str] = {
    "totp_secret": "portal_totp_secret",
    "sso": "portal_sso",
    "sso_username": "portal_sso_username",
    "sso_password": "portal_sso_password",
    "slow_mo": "browser_slow_mo_ms",
    "trace": "browser_trace",
    "page_timeout": "browser_timeout_ms",
}


def to_settings(cli: Mapping[str, object]) -> dict[str, object]:
    """CLI values keyed by Settings field names (`--headed` becomes browser_headless=False)."""
    out: dict[str, object] = {}
    for key, value in cli.items():
        if key == "headed":
            out["browser_headless"] = not value
        else:
            out[FLAG_TO_SETTING.get(key, key)] = value
    return out


def load_wiring(
    cli: Mapping[str, object], *, config_file: Path | None, env_file: Path | None,
    tenant: str | None,
) -> Wiring:
    """Load the settings (CLI > env > .env > TOML > defaults) and turn them into Wiring."""
    from connector.config import load_settings

    _given_file("--config", config_file)
    _given_file("--env-file", env_file)
    # Without --env-file, a `.env` in the working folder is read when there is one.
    settings = load_settings(to_settings(cli), config_file=config_file,
                             env_file=env_file or Path(".env"),
                             tenant=tenant, flags=setting_flags())
    return wiring_from(settings)


def _given_file(flag: str, path: Path | None) -> None:
    """A file named on the command line must be one (a folder or a typo is named)."""
    if path is None or path.is_file():
        return
    what = "is a directory, not a file" if path.is_dir() else "no such file"
    raise ConfigError(f"{flag} {path}: {what}")


def setting_flags() -> dict[str, str]:
    """Each setting that has a command-line flag, with that flag (e.g. browser_slow_mo_ms:
    --slow-mo), so that an error names what the user typed."""
    from connector.commands.args import build_parser

    parser = build_parser()
    options = {o for sub in _subparsers(parser) for a in sub._actions for o in a.option_strings}
    to_flag = {setting: dest for dest, setting in FLAG_TO_SETTING.items()}
    to_flag["browser_headless"] = "headed"
    from connector.config import Settings

    flags = {name: "--" + to_flag.get(name, name).replace("_", "-") for name in Settings.model_fields}
    return {name: flag for name, flag in flags.items() if flag in options}


def _subparsers(parser: Any) -> list[Any]:
    subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return [parser, *(p for a in subs for p in a.choices.values())]


def wiring_from(s: Any) -> Wiring:
    """Plain values for the commands, from a Settings object."""
    portal = PortalWiring(
        url=s.portal_url, email=s.portal_email, password=s.portal_password,
        totp_secret=s.portal_totp_secret, sso=s.portal_sso, sso_username=s.portal_sso_username,
        sso_password=s.portal_sso_password, api_token=s.api_token, mode=s.mode,
        page_size=s.page_size,
        locator_overrides=dict(s.locator_overrides),
    )
    browser = BrowserWiring(
        headed=not s.browser_headless, slow_mo_ms=s.browser_slow_mo_ms,
        executable=s.browser_executable, channel=s.browser_channel, trace=s.browser_trace,
        timeout_ms=s.browser_timeout_ms, pause_on_failure=s.browser_pause_on_failure,
    )
    return Wiring(tenant=s.tenant, portal=portal, browser=browser, idp=_idp(s), policy=s.policy(),
                  state_dir=Path(s.state_dir), reports_dir=Path(s.reports_dir),
                  history_keep_days=s.history_keep_days, reports_keep_days=s.reports_keep_days,
                  notify=NotifyWiring(urls=tuple(s.notify_urls), policy=s.notify_policy,
                                      inconclusive_streak=s.notify_inconclusive_streak),
                  metrics_dir=Path(s.metrics_dir) if s.metrics_dir else None,
                  history_url=s.history_url, history_password=s.history_password)


def _idp(s: Any) -> IdpWiring:
    okta = {
        "org_url": s.okta_org_url, "app_id": s.okta_app_id, "portal_app_id": s.okta_portal_app_id,
        "group_id": s.okta_group_id, "portal_group_id": s.okta_portal_group_id,
        "api_token": s.okta_api_token, "client_id": s.okta_client_id,
        "private_key_pem": _private_key(s), "scopes": tuple(s.okta_scopes),
        "logs_since_days": s.okta_logs_since_days,
    }
    entra = {
        "tenant_id": s.entra_tenant_id, "client_id": s.entra_client_id,
        "client_secret": s.entra_client_secret,
        "certificate_path": str(s.entra_certificate_path) if s.entra_certificate_path else None,
        "app_id": s.entra_app_id, "portal_app_id": s.entra_portal_app_id,
        "graph_url": s.entra_graph_url, "authority_url": s.entra_authority_url,
    }
    return IdpWiring(kind=s.idp, file=Path(s.idp_file) if s.idp_file else None,
                     okta={k: v for k, v in okta.items() if v is not None},
                     entra={k: v for k, v in entra.items() if v is not None})


def _private_key(s: Any) -> Any:
    if s.okta_private_key is not None:
        return s.okta_private_key
    path = s.okta_private_key_file
    if path is None:
        return None
    try:
        from pydantic import SecretStr

        return SecretStr(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"okta_private_key_file {path}: cannot read ({exc.strerror})") from exc
