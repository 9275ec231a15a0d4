"""A signed-in portal session: browser, guarded context, saved session reuse, one re-sign-in.

`portal_session` is the seam between the connector and Playwright: Playwright errors leaving it
become connector errors (`raise … from exc`). The storage state (cookies) is saved after each
sign-in to the state folder (0600 in a 0700 folder) and reused next time, once an authenticated
page has loaded with it. A session that expires mid-run is signed in again once; the next expiry
raises SessionExpired. Tracing starts after sign-in, pauses around a re-sign-in, and a traced
session is signed out at the end (a trace holds cookies), unless the caller set `keep_trace` to
False: then the trace is discarded and the session, never written down, stays usable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connector.errors import (
    ConnectorError,
    PageNotLoaded,
    PortalError,
    PortalUnavailable,
    SessionExpired,
)
from connector.models import CollectionError, CollectionErrorKind
from flows.browser import (
    BrowserOptions,
    ReadOnlyGuard,
    Tracer,
    Violation,
    open_context,
    start_browser,
)
from flows.pages.login import LoginPage
from flows.sign_in import Credentials, SignInFlow
from flows.state import account_key, private_dir, private_write

log = logging.getLogger(__name__)

CHECK_PATH = "/0/dashboard"  # the authenticated page that proves a saved session still works


@dataclass
class PortalSession:
    """A signed-in page of one tenant, navigated through `goto` so that expiry is handled."""

    page: Page
    context: BrowserContext
    base_url: str
    credentials: Credentials = field(repr=False)
    guard: ReadOnlyGuard
    state_file: Path
    options: BrowserOptions
    locator_overrides: Mapping[str, str] = field(default_factory=dict)
    evidence_dir: Path | None = None
    sign_in_count: int = 0
    re_sign_ins: int = 0
    max_re_sign_ins: int = 1
    tracer: Tracer | None = None
    keep_trace: bool = True  # False: discard the trace at the end (and keep the session alive)

    @property
    def violations(self) -> list[Violation]:
        """Requests the read-only guard blocked (each one is a bug to report)."""
        return self.guard.violations

    def pause_on_failure(self) -> None:
        """In a headed debugging session, stop in the Playwright inspector at the current page."""
        if self.options.pause_on_failure and not self.options.headless:
            self.page.pause()

    def violation_errors(self) -> tuple[CollectionError, ...]:
        """The guard's records as collection errors (a blocked write makes a read untrustworthy)."""
        return tuple(
            CollectionError(
                kind=CollectionErrorKind.READ_ONLY_VIOLATION,
                message=f"the read-only guard blocked {v.describe()}",
            )
            for v in self.violations
        )

    @property
    def host(self) -> str:
        """The portal's host[:port]."""
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        """The absolute URL of a portal path."""
        return path if "://" in path else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    def on_login_page(self) -> bool:
        """True when the page shows the portal's sign-in page (the session ended)."""
        parts = urlsplit(self.page.url)
        return parts.netloc == self.host and parts.path.startswith(LoginPage.PATH)

    def goto(self, path: str) -> Response | None:
        """Open a portal path; sign in again once if the session expired, else SessionExpired."""
        response = self._navigate(path)
        if not self.on_login_page():
            return response
        if self.re_sign_ins >= self.max_re_sign_ins:
            raise SessionExpired(
                f"The session ended again at {urlsplit(path).path}; "
                f"already signed in again {self.re_sign_ins} time(s)."
            )
        self.re_sign_ins += 1
        log.warning("session expired at %s; signing in again", urlsplit(path).path)
        self.sign_in(next_path=path)
        response = self._navigate(path)
        if self.on_login_page():
            raise SessionExpired(
                f"Signed in again, but {urlsplit(path).path} still asks to sign in."
            )
        return response

    def _navigate(self, path: str) -> Response | None:
        try:
            return self._goto_once_more_if_superseded(path)
        except PlaywrightTimeout as exc:
            raise PageNotLoaded(f"{urlsplit(path).path} did not load in time") from exc
        except PlaywrightError as exc:
            raise PortalUnavailable(
                f"{urlsplit(path).path} could not be loaded: {exc.message}"
            ) from exc

    def _goto_once_more_if_superseded(self, path: str) -> Response | None:
        # A page's own script may navigate (e.g. to /login when its data call meets an expired
        # session) while we navigate: ours is then aborted. Reading is safe to repeat: go again.
        try:
            return self.page.goto(self.url(path))
        except PlaywrightTimeout:
            raise
        except PlaywrightError as exc:
            if (
                "ERR_ABORTED" not in exc.message
                and "interrupted by another navigation" not in exc.message
            ):
                raise
            log.info(
                "navigation to %s superseded by the page's own; going again", urlsplit(path).path
            )
            self.page.wait_for_load_state()
            return self.page.goto(self.url(path))

    def sign_in(self, next_path: str = CHECK_PATH) -> None:
        """Run the sign-in flow (tracing paused) and save the new storage state."""
        if self.tracer:
            self.tracer.pause()
        self.sign_in_count += 1
        SignInFlow(
            self.page,
            self.base_url,
            self.credentials,
            self.guard,
            self.state_file.parent,
            dict(self.locator_overrides),
            timeout_ms=self.options.timeout_ms,
        ).run(next_path)
        self.save_state()
        if self.tracer:
            self.tracer.start()

    def save_state(self) -> None:
        """Save cookies and local storage for the next run (0600)."""
        private_write(self.state_file, json.dumps(self.context.storage_state()))

    def sign_out(self) -> None:
        """Sign out through the banner (a traced session must not leave a live cookie behind)."""
        self._navigate(CHECK_PATH)  # outside the sign-in window: this page's scripts stay guarded
        with self.guard.sign_in_window(self.page):
            if LoginPage(self.page, self.locator_overrides).sign_out():
                self.page.wait_for_load_state()
        self.state_file.unlink(missing_ok=True)  # its cookie is dead now


def _state_file(state_dir: Path, base_url: str, email: str) -> Path:
    return state_dir / f"storage-{account_key(urlsplit(base_url).netloc + '|' + email)}.json"


def _saved_session_works(session: PortalSession) -> bool:
    session._navigate(CHECK_PATH)
    login = LoginPage(session.page, session.locator_overrides)
    works = not session.on_login_page() and login.wait_signed_in(timeout_ms=5_000)
    log.info("saved session %s", "reused" if works else "no longer valid; signing in")
    return works


def _start(
    stack: ExitStack,
    base_url: str,
    credentials: Credentials,
    options: BrowserOptions,
    state_dir: Path,
    evidence_dir: Path | None,
    overrides: Mapping[str, str] | None,
    shared: Browser | None,
) -> PortalSession:
    browser = start_browser(stack, options, shared)
    guard = ReadOnlyGuard(urlsplit(base_url).netloc)
    state_file = _state_file(private_dir(state_dir), base_url, credentials.email)
    context, saved = open_context(stack, browser, guard, options, state_file)
    session = PortalSession(
        context.new_page(),
        context,
        base_url.rstrip("/"),
        credentials,
        guard,
        state_file,
        options,
        dict(overrides or {}),
        private_dir(evidence_dir) if evidence_dir else None,
    )
    if saved is None or not _saved_session_works(session):
        context.clear_cookies()
        session.sign_in()
    if options.trace_path:
        session.tracer = Tracer(context, options.trace_path)
        session.tracer.start()
    return session


def _finish(session: PortalSession) -> None:
    if not (session.tracer and session.tracer.running):
        return
    if not session.keep_trace:
        session.tracer.discard()  # no trace, no cookie in it: the saved session stays usable
        return
    try:
        session.sign_out()
    except (ConnectorError, PlaywrightError) as exc:
        log.warning(
            "could not sign out at the end of a traced session (%s); the trace's "
            "cookie may stay valid until the portal expires it",
            type(exc).__name__,
        )
    session.tracer.stop()


def _translate(exc: PlaywrightError) -> PortalError:
    if isinstance(exc, PlaywrightTimeout):
        return PageNotLoaded(f"The portal did not respond in time: {exc.message}")
    return PortalError(f"Browser error: {exc.message}")


@contextmanager
def portal_session(
    base_url: str,
    credentials: Credentials,
    *,
    options: BrowserOptions,
    state_dir: Path,
    evidence_dir: Path | None = None,
    locator_overrides: Mapping[str, str] | None = None,
    browser: Browser | None = None,
) -> Iterator[PortalSession]:
    """A signed-in session of one tenant; everything is closed (and a trace written) on exit.

    `browser`: an already running Chromium to open the tenant's context in (several tenants,
    or tests); by default one is found and launched for this session and closed after it.
    """
    try:
        with ExitStack() as stack:
            session = _start(
                stack,
                base_url,
                credentials,
                options,
                Path(state_dir),
                evidence_dir,
                locator_overrides,
                browser,
            )
            try:
                yield session
            except BaseException:
                session.pause_on_failure()  # headed debugging: inspect the page before it closes
                raise
            finally:
                _finish(session)
    except ConnectorError:
        raise
    except PlaywrightError as exc:
        raise _translate(exc) from exc
