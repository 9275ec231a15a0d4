"""The seam between the command line and the browser flows: plain values in, records out.

A sign-in or portal failure does not escape a verification run: `read_portal` turns it into
incomplete collection records naming what happened, so evaluation reports the run inconclusive
with that reason and the bundle is still written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connector.commands.context import Wiring
from connector.errors import (
    ApiError,
    ConfigError,
    ConnectorError,
    PageNotLoaded,
    PortalError,
    PortalUnavailable,
    ReadOnlyViolation,
    SessionExpired,
    SignInError,
    UiChanged,
)
from connector.models import Collection, CollectionError, CollectionErrorKind, Surface, utc_now

if TYPE_CHECKING:  # flows (and Playwright) load only when a command opens the browser
    from flows.collect import PortalRead

ALL_SURFACES: tuple[Surface, ...] = (
    "user_monitoring", "portal_users", "groups", "audit_trail", "directory_sync", "api_tokens",
)

ERROR_KINDS: tuple[tuple[type[ConnectorError], CollectionErrorKind], ...] = (
    (SignInError, CollectionErrorKind.SIGN_IN_FAILED),
    (PortalUnavailable, CollectionErrorKind.MAINTENANCE),
    (PageNotLoaded, CollectionErrorKind.PAGE_NOT_LOADED),
    (SessionExpired, CollectionErrorKind.SESSION_EXPIRED),
    (UiChanged, CollectionErrorKind.UI_CHANGED),
    (ReadOnlyViolation, CollectionErrorKind.READ_ONLY_VIOLATION),
    (ApiError, CollectionErrorKind.HTTP_ERROR),
    (PortalError, CollectionErrorKind.PAGE_NOT_LOADED),
)


@dataclass(frozen=True)
class PortalData:
    """What a read produced: flows' PortalRead, and the failure that cut it short (if one did)."""

    read: PortalRead
    failure: ConnectorError | None = field(default=None, compare=False)

    def snapshot_fields(self) -> dict[str, Any]:
        """The keyword arguments a Snapshot takes from this read (PortalRead's fields)."""
        return {f.name: getattr(self.read, f.name) for f in fields(self.read)}

    @property
    def complete(self) -> bool:
        """True when every surface was read completely (nothing worth a trace)."""
        return self.failure is None and all(c.complete for c in self.read.collections)


def require_url(w: Wiring) -> str:
    """The portal URL, or a configuration error naming the setting."""
    if not w.portal.url:
        raise ConfigError("no portal URL: set --portal-url, TESSIAN_PORTAL_URL or the tenant's "
                          "portal_url in the TOML file")
    return w.portal.url.rstrip("/")


def require_read_settings(w: Wiring) -> None:
    """Refuse, before anything is locked or written, a read that could only fail for want of a
    setting: the URL, the sign-in credentials, the API token of --mode api, a display."""
    require_url(w)
    credentials(w)
    if w.portal.mode != "dom" and w.portal.api_token is None:
        raise ConfigError(f"--mode {w.portal.mode} needs an API token: set TESSIAN_API_TOKEN "
                          "or --api-token")
    if w.browser.headed:
        from connector.commands.display import require_display

        require_display("a headed run")


def credentials(w: Wiring) -> Any:
    """flows' Credentials from the settings (the only place secrets are unwrapped)."""
    from flows.sign_in import Credentials

    p = w.portal
    if not p.email:
        raise ConfigError("no portal sign-in email: set --portal-email or TESSIAN_PORTAL_EMAIL")
    if p.sso == "none" and p.password is None:
        raise ConfigError("no portal password: set TESSIAN_PORTAL_PASSWORD (or --portal-password)")
    return Credentials(
        email=p.email,
        password=_reveal(p.password),
        totp_secret=_reveal(p.totp_secret),
        sso=p.sso,
        sso_username=p.sso_username,
        sso_password=_reveal(p.sso_password),
    )


def browser_options(w: Wiring, trace_path: Path | None) -> Any:
    """flows' BrowserOptions from the settings; `trace_path` unless tracing is off."""
    from flows.browser import BrowserOptions

    b = w.browser
    return BrowserOptions(
        headless=not b.headed, slow_mo_ms=b.slow_mo_ms, executable=b.executable,
        channel=b.channel, trace_path=trace_path if b.trace != "off" else None,
        pause_on_failure=b.pause_on_failure, timeout_ms=b.timeout_ms,
    )


def read_options(w: Wiring, surfaces: tuple[Surface, ...] = ALL_SURFACES) -> Any:
    """flows' ReadOptions from the settings."""
    from flows.collect import ReadOptions

    return ReadOptions(surfaces=surfaces, mode=w.portal.mode, api_token=_reveal(w.portal.api_token),
                       page_size=w.portal.page_size, page_timeout_ms=w.browser.timeout_ms)


@contextmanager
def session(w: Wiring, evidence_dir: Path, trace_path: Path | None) -> Iterator[Any]:
    """A signed-in, guarded portal session (SignInError/PortalError propagate)."""
    from flows.session import portal_session

    with portal_session(
        require_url(w), credentials(w), options=browser_options(w, trace_path),
        state_dir=w.state_dir / "sessions", evidence_dir=evidence_dir,
        locator_overrides=w.portal.locator_overrides or None,
    ) as s:
        yield s


def read_portal(w: Wiring, evidence_dir: Path, trace_path: Path | None,
                keep_trace: Callable[[PortalData], bool] = lambda data: True) -> PortalData:
    """Read every surface (DOM, API or both); a sign-in/portal failure becomes a failed read.

    With tracing "on-failure", `keep_trace(data)` decides, before the session closes, whether
    the trace is kept (and the session signed out, as a trace holds its cookie) or discarded.
    """
    try:
        return _read(w, evidence_dir, trace_path, keep_trace)
    except (SignInError, PortalError, ApiError) as exc:
        return failed_read(exc)


def _read(w: Wiring, evidence_dir: Path, trace_path: Path | None,
          keep_trace: Callable[[PortalData], bool]) -> PortalData:
    # Every mode signs in: the public API serves only some surfaces (not Portal Users), so
    # `api` reads those through the API and the rest through the pages.
    from flows.collect import collect

    require_read_settings(w)
    options = read_options(w)
    with session(w, evidence_dir, trace_path) as s:
        data = PortalData(collect(s, options))
        s.keep_trace = w.browser.trace == "on" or keep_trace(data)
        return data


def failed_read(exc: ConnectorError, surfaces: tuple[Surface, ...] = ALL_SURFACES) -> PortalData:
    """Incomplete collection records for `surfaces`, each carrying the failure as its error."""
    kind = error_kind(exc)
    now = utc_now()
    error = CollectionError(kind=kind, message=f"{exc.message} ({exc.remedy})")
    collections = tuple(
        Collection(surface=s, source="dom", complete=False, errors=(error,), started_at=now,
                   finished_at=now)
        for s in surfaces
    )
    from flows.collect import PortalRead

    return PortalData(PortalRead(collections=collections), failure=exc)


def error_kind(exc: ConnectorError) -> CollectionErrorKind:
    """The collection-error kind of a flows/API failure."""
    if isinstance(exc, ApiError) and exc.status == 429:
        return CollectionErrorKind.RATE_LIMITED
    if isinstance(exc, PortalUnavailable) and not _is_maintenance(exc):
        return CollectionErrorKind.HTTP_ERROR
    for cls, kind in ERROR_KINDS:
        if isinstance(exc, cls):
            return kind
    return CollectionErrorKind.PAGE_NOT_LOADED


def _is_maintenance(exc: PortalUnavailable) -> bool:
    # The maintenance page is an HTTP 503; flows says so by class name, message or status.
    text = exc.message.lower()
    return (type(exc).__name__ == "Maintenance" or "maintenance" in text
            or "http 503" in text or getattr(exc, "status", None) == 503)


def _reveal(secret: Any) -> str | None:
    return secret.get_secret_value() if secret is not None else None
