"""Find and launch Chromium, and give each tenant one guarded browser context.

The context blocks images, fonts and media (nothing to read there), dismisses dialogs, and carries
the read-only guard: every request to the portal host that could change something (any method but
GET, HEAD, OPTIONS) is aborted and recorded, except the sign-in posts under `/login` and the form
posts a sign-in flow makes while `guard.sign_in_window()` is open.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from connector.errors import BrowserError, ConfigError
from connector.models import utc_now
from connector.private_files import private_umask
from flows.trace_scrub import scrub_trace

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGN_IN_PREFIX = "/login"
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
LAUNCH_ARGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class BrowserOptions:
    """How to run the browser: headless by default; headed, slowed and traced for debugging."""

    headless: bool = True
    slow_mo_ms: int = 0
    executable: str | None = None  # explicit path; else Playwright's, else PATH, else error
    channel: str | None = None
    trace_path: Path | None = None  # record a trace (starts after sign-in)
    pause_on_failure: bool = False
    timeout_ms: int = 15_000


def _playwright_cache_dirs() -> list[Path]:
    custom = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if custom and custom != "0":
        return [Path(custom)]
    home = Path.home()
    if sys.platform == "darwin":
        return [home / "Library" / "Caches" / "ms-playwright"]
    if sys.platform.startswith("win"):
        return [Path(os.environ.get("LOCALAPPDATA", home)) / "ms-playwright"]
    return [Path(os.environ.get("XDG_CACHE_HOME", home / ".cache")) / "ms-playwright"]


_PLAYWRIGHT_BINARIES = (
    "chromium-*/chrome-linux*/chrome",
    "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
    "chromium-*/chrome-mac*/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
    "chromium-*/chrome-win*/chrome.exe",
)


def _playwright_chromium() -> str | None:
    for cache in _playwright_cache_dirs():
        for pattern in _PLAYWRIGHT_BINARIES:
            found = sorted(glob.glob(str(cache / pattern)), reverse=True)  # newest build first
            if found and os.access(found[0], os.X_OK):
                return found[0]
    return None


def find_chromium(explicit: str | None = None) -> str | None:
    """The Chromium to launch: the explicit one, else Playwright's own, else one on PATH."""
    if explicit:
        path = shutil.which(explicit) or (explicit if os.access(explicit, os.X_OK) else None)
        return path if path and os.path.isfile(path) else None
    own = _playwright_chromium()
    if own:
        return own
    for name in PATH_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_args() -> list[str]:
    """Chromium flags: quiet, no GPU, and no sandbox when running as root (containers)."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return (["--no-sandbox"] if as_root else []) + list(LAUNCH_ARGS)


def launch(playwright: Playwright, options: BrowserOptions) -> Browser:
    """Start Chromium as `options` say, or raise BrowserError saying how to get one."""
    executable: str | None = None
    if not options.channel:
        executable = find_chromium(options.executable)
        if executable is None:
            wanted = f" at {options.executable!r}" if options.executable else ""
            raise BrowserError(f"No Chromium found{wanted}.")
    try:
        return playwright.chromium.launch(
            executable_path=executable,
            channel=options.channel,
            headless=options.headless,
            slow_mo=options.slow_mo_ms,
            args=launch_args(),
        )
    except PlaywrightError as exc:
        raise _launch_error(exc, options, options.channel or executable) from exc


# What Chromium (through Playwright) says when a headed browser finds no X server.
_NO_DISPLAY_SIGNS = ("missing x server", "$display", "xserver", "cannot open display",
                     "could not connect to display")


def _launch_error(exc: PlaywrightError, options: BrowserOptions, what: str | None) -> Exception:
    """One line instead of Playwright's multi-line launch log: a headed launch without a display
    is a usage error (exit 2), anything else a BrowserError naming its first line."""
    text = exc.message or ""
    if not options.headless and any(sign in text.casefold() for sign in _NO_DISPLAY_SIGNS):
        return ConfigError(
            "no display: set DISPLAY or run under xvfb-run (Chromium could not open a window)",
            remedy="Run under a display ('xvfb-run tessian-connector ...'), set DISPLAY to a "
            "running X server, or leave out --headed (debug: add --headless).")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "no reason given")
    return BrowserError(f"Chromium ({what}) would not start: {first}")


@dataclass(frozen=True)
class Violation:
    """A request that would have changed the tenant, and was aborted."""

    method: str
    path: str
    at: datetime


@dataclass
class ReadOnlyGuard:
    """Aborts and records every unsafe request to the portal host (sign-in posts excepted)."""

    host: str  # host[:port] of the portal; every port of that host is guarded
    violations: list[Violation] = field(default_factory=list)
    _signing_in: bool = False

    @contextmanager
    def sign_in_window(self) -> Iterator[None]:
        """While open, form posts of the sign-in flow (a fake IdP on the portal host) may pass."""
        self._signing_in = True
        try:
            yield
        finally:
            self._signing_in = False

    def guards(self, url: str) -> bool:
        """True when `url` is on the portal's host (any port, any letter case)."""
        return urlsplit(url).hostname == urlsplit(f"//{self.host}").hostname

    def allows(self, request: Request) -> bool:
        """True when `request` may reach the network."""
        parts = urlsplit(request.url)
        if not self.guards(request.url) or request.method.upper() in SAFE_METHODS:
            return True
        if parts.path == SIGN_IN_PREFIX or parts.path.startswith(SIGN_IN_PREFIX + "/"):
            return True
        return self._signing_in and request.is_navigation_request()

    def handle(self, route: Route, request: Request) -> None:
        """The context-wide route handler: block media, enforce read-only, pass the rest."""
        if request.resource_type in BLOCKED_RESOURCES:
            route.abort("blockedbyclient")
        elif self.allows(request):
            route.fallback()
        else:
            path = urlsplit(request.url).path
            self.violations.append(Violation(request.method.upper(), path, utc_now()))
            log.error("read-only guard blocked %s %s", request.method.upper(), path)
            route.abort("blockedbyclient")


def _dismiss(dialog: Dialog) -> None:
    log.warning("dismissed a %s dialog", dialog.type)
    with contextlib.suppress(PlaywrightError):  # the page may have gone away with its dialog
        dialog.dismiss()


def _watch_page(page: Page) -> None:
    page.on("dialog", _dismiss)


def new_context(
    browser: Browser, guard: ReadOnlyGuard, options: BrowserOptions, storage_state: Path | None
) -> BrowserContext:
    """One context per tenant: guarded, media-free, dialogs dismissed, timeouts set."""
    try:
        context = browser.new_context(
            storage_state=storage_state,
            viewport={"width": 1366, "height": 900},
            service_workers="block",  # a service worker's requests would bypass the guard
            locale="en-GB",
            timezone_id="UTC",
        )
    except PlaywrightError as exc:
        raise BrowserError(f"Could not open a browser context: {exc.message}") from exc
    context.set_default_timeout(options.timeout_ms)
    context.set_default_navigation_timeout(options.timeout_ms)
    context.route("**/*", guard.handle)
    context.on("page", _watch_page)
    return context


def open_context(
    stack: ExitStack,
    browser: Browser,
    guard: ReadOnlyGuard,
    options: BrowserOptions,
    state_file: Path,
) -> tuple[BrowserContext, Path | None]:
    """The tenant's context, with the saved storage state when there is a readable one."""
    saved = state_file if state_file.exists() else None
    try:
        context = new_context(browser, guard, options, saved)
    except BrowserError:
        if saved is None:
            raise
        log.warning("saved session file unreadable; signing in afresh")
        state_file.unlink(missing_ok=True)
        saved, context = None, new_context(browser, guard, options, None)
    stack.callback(context.close)
    return context, saved


def start_browser(stack: ExitStack, options: BrowserOptions, shared: Browser | None) -> Browser:
    """`shared` when given (its owner closes it), else a Chromium launched for `stack`."""
    if shared is not None:
        return shared  # the caller's browser: it outlives this session
    try:
        with private_umask():  # the driver (and what it writes: trace.zip) inherits umask 077
            playwright = stack.enter_context(sync_playwright())
    except PlaywrightError as exc:
        raise BrowserError(f"Playwright could not start: {exc.message}") from exc
    browser = launch(playwright, options)
    stack.callback(browser.close)
    return browser


@dataclass
class Tracer:
    """Playwright tracing that never records a sign-in: paused around each one."""

    context: BrowserContext
    path: Path
    parts: list[Path] = field(default_factory=list)
    running: bool = False

    def start(self) -> None:
        """Start (or resume) recording."""
        self.context.tracing.start(screenshots=True, snapshots=True, sources=False)
        self.running = True

    def pause(self) -> None:
        """Save what was recorded so far as a numbered part and stop recording."""
        if self.running:
            part = self.path.with_name(
                f"{self.path.stem}-part{len(self.parts) + 1}{self.path.suffix}"
            )
            self.context.tracing.stop(path=part)
            os.chmod(part, 0o600)
            scrub_trace(part)  # the session cookie is in every recorded request
            self.parts.append(part)
            self.running = False

    def discard(self) -> None:
        """Stop recording and keep nothing, parts included (nothing failed worth showing)."""
        if self.running:
            self.context.tracing.stop()
            self.running = False
        for part in self.parts:
            part.unlink(missing_ok=True)
        self.parts.clear()

    def stop(self) -> None:
        """Write the final trace file."""
        if self.running:
            self.context.tracing.stop(path=self.path)
            self.running = False
            os.chmod(self.path, 0o600)
            scrub_trace(self.path)  # the session cookie is in every recorded request
