"""What every command needs, resolved once: logging set up, settings loaded, secrets registered.

`Wiring` holds plain values (no settings object) so the flows and idp layers receive exactly what
they need; `prepare(args)` is the only place that reads the command line into settings.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from connector.logging import Redactor, configure_logging
from connector.models import Policy
from connector.notify import NotifyWiring, url_secrets
from connector.redaction import private_key_blocks

Mode = Literal["dom", "api", "cross-check"]
IdpKind = Literal["file", "okta", "entra"]
TraceMode = Literal["on", "off", "on-failure"]


@dataclass(frozen=True)
class PortalWiring:
    """Where the portal is and how to sign in to it (secrets stay SecretStr until the seam)."""

    url: str | None = None
    email: str | None = None
    password: SecretStr | None = None
    totp_secret: SecretStr | None = None
    sso: Literal["none", "okta", "entra"] = "none"
    sso_username: str | None = None
    sso_password: SecretStr | None = None
    api_token: SecretStr | None = None
    mode: Mode = "dom"
    page_size: int = 250
    locator_overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BrowserWiring:
    """How to run the browser."""

    headed: bool = False
    slow_mo_ms: int = 0
    executable: str | None = None
    channel: str | None = None
    # Settings.browser_trace's default, so that every command (demo included) traces alike:
    # recorded, and kept only when the run is inconclusive.
    trace: TraceMode = "on-failure"
    timeout_ms: int = 15_000
    pause_on_failure: bool = False


@dataclass(frozen=True)
class IdpWiring:
    """Where the expected state comes from; okta/entra hold the provider options' keyword args."""

    kind: IdpKind | None = None
    file: Path | None = None
    okta: dict[str, Any] = field(default_factory=dict)
    entra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Wiring:
    """Everything a command needs, as plain values."""

    tenant: str
    portal: PortalWiring
    browser: BrowserWiring
    idp: IdpWiring
    policy: Policy
    state_dir: Path
    reports_dir: Path
    verbose: bool = False
    redactor: Redactor = field(default_factory=Redactor)
    history_keep_days: int = 400  # 0 keeps everything (connector.commands.retention)
    reports_keep_days: int = 30
    notify: NotifyWiring = field(default_factory=NotifyWiring)
    metrics_dir: Path | None = None  # node_exporter textfile folder (None: no metrics)
    history_url: str | None = None  # PostgreSQL history when set (connector.history_postgres)
    history_password: SecretStr | None = None

    @property
    def history_path(self) -> Path:
        """The SQLite history store of this state folder."""
        return self.state_dir / "history.sqlite3"

    def with_browser(self, **changes: Any) -> Wiring:
        """A copy with some browser settings changed (debug, demo --headed)."""
        return replace(self, browser=replace(self.browser, **changes))


# argparse dest names that are not settings (commands' own arguments).
_NOT_SETTINGS = frozenset({
    "command", "config", "tenant", "env_file", "verbose", "json_logs", "out", "source", "emails",
    "expect", "limit", "headless", "identities", "prune", "json_out",
})


def cli_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings the user gave on the command line (unset flags are left out)."""
    return {
        key: value
        for key, value in vars(args).items()
        if key not in _NOT_SETTINGS and value is not None and value is not False
    }


def prepare(args: argparse.Namespace) -> Wiring:
    """Set up logging, load the settings (flags > env > .env > TOML > defaults), build wiring."""
    verbose = bool(getattr(args, "verbose", False))
    json_logs = True if getattr(args, "json_logs", False) else None
    redactor = configure_logging(verbose=verbose, json_logs=json_logs)
    from connector.commands.settings_adapter import load_wiring

    wiring = load_wiring(
        cli_overrides(args),
        config_file=_path(getattr(args, "config", None)),
        env_file=_path(getattr(args, "env_file", None)),
        tenant=getattr(args, "tenant", None),
    )
    wiring = replace(wiring, verbose=verbose, redactor=redactor)
    p = wiring.portal
    redactor.add([p.password, p.totp_secret, p.sso_password, p.api_token,
                  wiring.history_password])
    redactor.add(v for v in (*wiring.idp.okta.values(), *wiring.idp.entra.values())
                 if isinstance(v, SecretStr))
    redactor.add(_private_keys_in(wiring.idp.entra.get("certificate_path")))
    redactor.add(part for url in wiring.notify.urls for part in url_secrets(url))
    _window_check(args, wiring)
    return wiring


def _window_check(args: argparse.Namespace, w: Wiring) -> None:
    """A headed run (--headed, TESSIAN_BROWSER_HEADLESS=false, debug) needs a display: refused
    now, before anything is locked, launched or written."""
    from connector.commands.display import OPENS_BROWSER, require_display

    command = str(getattr(args, "command", ""))
    debug_window = command == "debug" and not getattr(args, "headless", False)
    if command in OPENS_BROWSER and (w.browser.headed or debug_window):
        require_display(command if debug_window else f"{command} --headed")


def _private_keys_in(path: str | None) -> list[str]:
    """The private key blocks of a PEM file (Entra's certificate + key), to be redacted; none
    when it cannot be read (the provider reports that itself)."""
    if not path:
        return []
    try:
        return private_key_blocks(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
