"""The connector's exceptions: one rooted tree, each error with a remedy a person can follow.

    ConnectorError
    ├── ConfigError ..................... bad settings, flags or input files (exit 2)
    │   ├── InputFileError .............. an identity export / exception file, with file:line:field
    │   └── RunLocked ................... another run for this tenant holds the lock
    ├── BrowserError .................... no usable Chromium, or it would not start
    ├── SignInError ..................... the portal refused us; never retried automatically
    │   ├── CredentialsRejected ......... "Incorrect email or password."
    │   ├── CodeRejected ................ "Invalid code."
    │   ├── AccountLocked ............... five failures: locked for 15 minutes
    │   └── UnsupportedSignIn ........... an MFA method or SSO page the connector cannot answer
    ├── PortalError ..................... the portal could not be read as modelled
    │   ├── PortalUnavailable ........... maintenance page, 5xx, network failure
    │   ├── PageNotLoaded ............... a page or its table never finished loading
    │   ├── SessionExpired .............. the session ended and signing in again did not help
    │   ├── UiChanged ................... a page no longer matches its fingerprint
    │   └── ReadOnlyViolation ........... something tried to change the tenant (and was blocked)
    ├── ApiError ........................ Tessian's public read API failed (status kept)
    └── ProviderError ................... Okta / Graph failed (vendor code and request id kept)
        ├── ProviderAuthError ........... token rejected, expired or lacking a scope
        └── ProviderRateLimited ......... still rate limited after waiting as told

Foreign exceptions (playwright, httpx, msal, OSError on input files) are translated where they
arise, with `raise ... from exc`. A discrepancy between the portal and the provider is never an
exception: it is a `connector.models.Finding`.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Root of every error the connector raises on purpose."""

    remedy = "Run with --verbose for details; report it if it persists."

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if remedy is not None:
            self.remedy = remedy

    def __str__(self) -> str:
        return self.message


class ConfigError(ConnectorError):
    """A setting, flag or input is wrong; nothing was read or written."""

    remedy = "Fix the named setting (flag, environment variable, .env or TOML file) and run again."


class InputFileError(ConfigError):
    """An input file is malformed; names the file, the line and the field."""

    remedy = "Fix the named line of the file; the README documents the format."

    def __init__(
        self, path: str, message: str, *, line: int | None = None, field: str | None = None
    ) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"field '{field}': {message}" if field else message
        super().__init__(f"{where}: {what}")
        self.path, self.line, self.field = path, line, field


class RunLocked(ConfigError):
    """Another run for the same tenant is in progress."""

    remedy = "Wait for the other run to finish; runs for one tenant never overlap."


class BrowserError(ConnectorError):
    """No Chromium could be found or started."""

    remedy = (
        "Install a Chromium: 'python -m playwright install chromium', 'apt-get install chromium', "
        "or Google Chrome; or set TESSIAN_BROWSER_EXECUTABLE to its path."
    )


class SignInError(ConnectorError):
    """The portal did not let us in. These are never retried: retries lock accounts."""

    remedy = "Check the portal credentials; sign in by hand once to confirm they work."


class CredentialsRejected(SignInError):
    """The portal said: Incorrect email or password."""

    remedy = "Check TESSIAN_PORTAL_EMAIL and TESSIAN_PORTAL_PASSWORD; the connector did not retry."


class CodeRejected(SignInError):
    """The portal rejected the two-factor code."""

    remedy = "Check TESSIAN_PORTAL_TOTP_SECRET (base32 seed) and this machine's clock (NTP)."


class AccountLocked(SignInError):
    """Too many failed attempts: the portal locked the account."""

    remedy = "Wait 15 minutes before the next run, and fix the credentials first."


class UnsupportedSignIn(SignInError):
    """The sign-in asked for something the connector cannot answer (push MFA, unknown page)."""

    remedy = "Use a service account with password + TOTP, or SSO without interactive MFA."


class PortalError(ConnectorError):
    """The portal could not be read the way portal-model.md describes it."""

    remedy = "Run 'tessian-connector doctor' to see which page is affected."


class PortalUnavailable(PortalError):
    """The portal answered with a maintenance page, a 5xx, or not at all."""

    remedy = "Try again later; check the portal in a browser."


class PageNotLoaded(PortalError):
    """A page or its table never finished loading in time."""

    remedy = "Raise --page-timeout, or run 'tessian-connector debug' to watch the page."


class SessionExpired(PortalError):
    """The session ended mid-run and signing in again did not restore it."""

    remedy = "Run again; if it recurs, check the portal's session settings."


class UiChanged(PortalError):
    """A page no longer matches the structure its page object expects."""

    remedy = "Run 'tessian-connector doctor', then re-point the locator with a locator override."

    def __init__(self, message: str, *, page: str, locator: str | None = None) -> None:
        super().__init__(message)
        self.page, self.locator = page, locator


class ReadOnlyViolation(PortalError):
    """A request that would change the tenant was attempted (and blocked)."""

    remedy = "This is a bug in the connector: report it with the run's log."


class ApiError(ConnectorError):
    """Tessian's public read API failed."""

    remedy = "Check TESSIAN_API_TOKEN and that its portal user still has the Logs permission."

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderError(ConnectorError):
    """The identity provider (Okta, Graph) failed; vendor error code and request id are kept."""

    remedy = "Check the provider settings and the permissions listed in the README."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        detail = ", ".join(
            f"{k}={v}" for k, v in (("status", status), ("code", code), ("id", request_id)) if v
        )
        super().__init__(f"{message} ({detail})" if detail else message)
        self.status, self.code, self.request_id = status, code, request_id


class ProviderAuthError(ProviderError):
    """The provider rejected our credentials or they lack a permission."""

    remedy = "Check the token/secret and grant the least-privilege permissions in the README."


class ProviderRateLimited(ProviderError):
    """The provider kept rate-limiting after we waited as it told us to."""

    remedy = "Run later, or give the connector its own rate-limit budget in the provider."
