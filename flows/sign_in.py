"""Sign in to the portal: email + password, TOTP two-factor, or SSO through Okta or Microsoft.

The flow is a small state machine: look at the page, recognise the step, answer it once. A step
that comes back after it was answered means the answer was refused: it is never answered again
(retries lock accounts). Alerts with a known refusal become typed errors; a page no step matches
becomes UnsupportedSignIn. No secret reaches a log line or an error message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connector.errors import (
    AccountLocked,
    CodeRejected,
    CredentialsRejected,
    PageNotLoaded,
    PortalUnavailable,
    SignInError,
    UnsupportedSignIn,
)
from flows.browser import ReadOnlyGuard
from flows.pages.login import (
    INCORRECT,
    INVALID_CODE,
    LOCKED,
    SSO_FAILED,
    SSO_NOT_ENABLED,
    LoginPage,
)
from flows.pages.sso import REJECTED, SsoPage
from flows.state import Clock, RefusalMemory, TotpSource, account_key

log = logging.getLogger(__name__)

SSO_PASSWORD_STEPS = frozenset({"ms_password", "okta_sign_in", "okta_password"})


@dataclass(frozen=True)
class Credentials:
    """Who signs in, and how. Secrets are kept out of repr()."""

    email: str
    password: str | None = field(default=None, repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    sso: Literal["none", "okta", "entra"] = "none"
    sso_username: str | None = None
    sso_password: str | None = field(default=None, repr=False)


@dataclass
class SignInFlow:
    """One sign-in attempt on `page`; `run()` returns when an authenticated page shows."""

    page: Page
    base_url: str
    credentials: Credentials
    guard: ReadOnlyGuard
    state_dir: Path
    overrides: Mapping[str, str] = field(default_factory=dict)
    settle_ms: int = 5_000
    timeout_ms: int = 15_000
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.login = LoginPage(self.page, self.overrides)
        self.sso = SsoPage(self.page, self.overrides)
        self.answered: set[str] = set()
        key = account_key(self.credentials.email)
        self.refusals = RefusalMemory(self.state_dir / f"refused-{key}.json")
        self.sent: tuple[str, str] | None = None  # the secret last submitted, by kind

    def run(self, next_path: str = "/0/dashboard") -> None:
        """Sign in, answering each step once; raise a SignInError subclass when refused."""
        with self.guard.sign_in_window(self.page):
            try:
                self._open(next_path)
                while (step := self._next_step()) != "signed_in":
                    self._answer(step)
                    self.answered.add(step)
            except CredentialsRejected:
                if self.sent is not None:  # the next run must not send it again
                    self.refusals.remember(*self.sent)
                raise
            except PlaywrightTimeout as exc:
                raise PageNotLoaded(
                    f"The sign-in page did not respond in time: {exc.message}"
                ) from exc
            except PlaywrightError as exc:
                raise PortalUnavailable(
                    f"The sign-in page could not be used: {exc.message}"
                ) from exc
        self.refusals.forget()
        log.info("signed in to %s (%s)", urlsplit(self.base_url).netloc, self._method())

    def _open(self, next_path: str) -> None:
        status = self.login.open(self.base_url, next_path)
        if status >= 500:  # maintenance (503) or a server error: nothing to sign in to
            raise PortalUnavailable(f"The sign-in page answered HTTP {status}.")

    def _method(self) -> str:
        c = self.credentials
        return (
            f"sso:{c.sso}"
            if c.sso != "none"
            else ("password+totp" if c.totp_secret else "password")
        )

    def _on_portal_login(self) -> bool:
        parts = urlsplit(self.page.url)
        base = urlsplit(self.base_url)
        return parts.netloc == base.netloc and parts.path.startswith(LoginPage.PATH)

    def _signed_in(self) -> bool:
        parts = urlsplit(self.page.url)
        on_portal = parts.netloc == urlsplit(self.base_url).netloc
        return on_portal and (parts.path.startswith("/0/") or self.login.signed_in())

    def _look(self) -> str | None:
        """Recognise the page now (raising on refusals); None when nothing is recognised yet."""
        if self._on_portal_login():
            self._raise_on_alert(self.login.alert())
            return self.login.step()
        if self._signed_in():
            return "signed_in"
        self._raise_on_alert(self.sso.alert())
        step = self.sso.step()
        if step == "unanswerable":
            raise UnsupportedSignIn(
                f"The identity provider asks for '{self.sso.heading()}', "
                "which the connector cannot answer."
            )
        return step

    def _raise_on_alert(self, text: str) -> None:
        if not text:
            return
        if LOCKED.search(text):
            raise AccountLocked(f"The portal locked the account {self.credentials.email}: {text}")
        if INVALID_CODE.search(text):
            raise CodeRejected("The portal rejected the two-factor code; not retrying.")
        if INCORRECT.search(text) or REJECTED.search(text):
            raise CredentialsRejected(
                f"Sign-in refused for {self.credentials.email}: {text} (not retried)"
            )
        if SSO_NOT_ENABLED.search(text):
            raise UnsupportedSignIn(f"The portal refused SSO for {self.credentials.email}: {text}")
        if SSO_FAILED.search(text):
            raise SignInError(f"The portal refused the identity provider's answer: {text}")
        log.info("sign-in page shows an alert: %s", text)  # e.g. "your session expired"

    def _next_step(self) -> str:
        """Wait for a step not answered yet; give up once the page has settled on none."""
        started = last_change = time.monotonic()
        last_url, seen = self.page.url, None
        while True:
            step = self._look()
            if step is not None and step not in self.answered:
                return step
            if self.page.url != last_url or step != seen:
                last_url, seen, last_change = self.page.url, step, time.monotonic()
            waited = time.monotonic() - last_change
            if (
                waited * 1000 > self.settle_ms
                or (time.monotonic() - started) * 1000 > self.timeout_ms
            ):
                raise self._stuck(step)
            self.page.wait_for_timeout(100)

    def _stuck(self, step: str | None) -> SignInError:
        where = urlsplit(self.page.url).path  # no query: it may carry a code
        if step is not None:
            return SignInError(
                f"The sign-in step '{step}' came back after it was answered "
                f"({where}); not answering it again."
            )
        heading = self.sso.heading() or "no heading"
        return UnsupportedSignIn(f"Unrecognised sign-in page at {where} ('{heading}').")

    def _answer(self, step: str) -> None:
        c = self.credentials
        if step == "email":
            self.login.submit_email(c.email)
        elif step == "password":
            self._password_step()
        elif step == "two_factor":
            self.login.submit_code(self._totp().next_code())
        else:
            username = c.sso_username or c.email
            password = c.sso_password or c.password
            if password is None:
                raise UnsupportedSignIn("The identity provider asks for a password; none is set.")
            if step in SSO_PASSWORD_STEPS:
                self._sending("sso_password", password)
            self.sso.answer(step, username, password)

    def _password_step(self) -> None:
        c = self.credentials
        if c.sso != "none":
            self.login.choose_sso()
        elif c.password is None:
            raise UnsupportedSignIn("The portal asks for a password; none is configured.")
        else:
            self._sending("password", c.password)
            self.login.submit_password(c.password)

    def _sending(self, what: str, secret: str) -> None:
        """Refuse to send a secret an earlier run saw refused; note what is about to be sent."""
        self.refusals.check(what, secret)
        self.sent = (what, secret)

    def _totp(self) -> TotpSource:
        if not self.credentials.totp_secret:
            raise UnsupportedSignIn("The portal asks for a two-factor code; no TOTP seed is set.")
        memory = self.state_dir / f"totp-{account_key(self.credentials.email)}.json"
        return TotpSource(self.credentials.totp_secret, memory, self.clock)


def sign_in(
    page: Page,
    base_url: str,
    credentials: Credentials,
    *,
    guard: ReadOnlyGuard,
    state_dir: Path,
    overrides: Mapping[str, str] | None = None,
    next_path: str = "/0/dashboard",
    timeout_ms: int = 15_000,
) -> None:
    """Sign in on `page`; raises CredentialsRejected, CodeRejected, AccountLocked or
    UnsupportedSignIn (never retrying a refused password or code), PortalUnavailable or
    PageNotLoaded when there is no sign-in page to use."""
    flow = SignInFlow(
        page, base_url, credentials, guard, state_dir, dict(overrides or {}), timeout_ms=timeout_ms
    )
    flow.run(next_path)
