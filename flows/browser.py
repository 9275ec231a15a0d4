"""Find and launch Chromium, and give each tenant one guarded browser context.

The context blocks images, fonts and media (nothing to read there), dismisses dialogs, and carries
the read-only guard, which denies by default: the connector never needs to write anything, so
every request with a method other than GET, HEAD or OPTIONS is aborted and recorded as a
violation, whatever its host (another name for the portal, such as localhost, [::1], 127.0.0.2 or
a trailing dot, is still the portal, and a host the connector cannot tell apart from it must be
treated as it). The only exception is signing in: while `guard.sign_in_window(page)` is open,
the posts of that page's main frame that sign in may pass (the portal's `/login` posts, form
posts, and the identity provider's own requests); popups, frames and workers stay guarded.

Traffic the route handler cannot see is refused outright and recorded too: every WebSocket is
answered by the guard (never connected), and an init script in every frame replaces `Worker`,
`SharedWorker`, `WebSocketStream`, `WebTransport` and service worker registration with stubs
that report and throw (a worker's WebSockets and a shared worker's requests bypass routing).
Service workers are also blocked by the context option, and the connector's own Chromium starts
without SharedWorker and WebSocketStream. A recorded violation makes the read inconclusive.
"""

from __future__ import annotations

import contextlib
import glob
import json
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
    Frame,
    Page,
    Playwright,
    Request,
    Route,
    WebSocketRoute,
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
    "--disable-blink-features=SharedWorker,WebSocketStream",  # traffic routing cannot see
)
GUARD_BINDING = "__tessianReadOnlyGuard"
# Page APIs whose traffic the route handler cannot see or stop (a dedicated worker's requests are
# routed, but its WebSockets are not), each with the name its refusal is recorded under.
REFUSED_APIS = {
    "Worker": "WORKER",
    "SharedWorker": "SHAREDWORKER",
    "WebSocketStream": "WEBSOCKET",
    "WebTransport": "WEBTRANSPORT",
}
REFUSED_KINDS = frozenset({*REFUSED_APIS.values(), "SERVICEWORKER"})
# Runs in every frame before the page's own scripts; the binding is captured first, so a page
# cannot silence the report by replacing it afterwards.
GUARD_SCRIPT = """(() => {
  const report = globalThis[%(binding)s];
  const absolute = url => {
    try { return new URL(url, document.baseURI).href; } catch (e) { return url; }
  };
  const tell = (kind, url) => {
    try { report(kind, absolute(String(url))); } catch (e) { /* refused all the same */ }
    return new DOMException(`${kind} refused by the connector's read-only guard`, "SecurityError");
  };
  const fixed = value => ({ value, writable: false, configurable: false });
  for (const [name, kind] of Object.entries(%(apis)s)) {
    Object.defineProperty(globalThis, name, fixed(function (url) { throw tell(kind, url); }));
  }
  if (globalThis.ServiceWorkerContainer) {
    const register = url => Promise.reject(tell("SERVICEWORKER", url));
    Object.defineProperty(ServiceWorkerContainer.prototype, "register", fixed(register));
  }
})();""" % {"binding": json.dumps(GUARD_BINDING), "apis": json.dumps(REFUSED_APIS)}
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})


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
    """A request that could have changed something, and was aborted (or an API refused)."""

    method: str  # an HTTP method, or WEBSOCKET / WORKER / SHAREDWORKER / SERVICEWORKER …
    path: str
    at: datetime
    host: str | None = None  # host[:port] when not the portal's host

    def describe(self) -> str:
        """`POST /path` on the portal's host, `POST //host:port/path` on any other."""
        where = f"//{self.host}{self.path}" if self.host else self.path
        return f"{self.method} {where}"


def _every_url(url: str) -> bool:
    return True


@dataclass
class ReadOnlyGuard:
    """Aborts and records every request that could write, to any host (sign-in posts excepted)."""

    host: str  # host[:port] of the portal; every port of that host counts as the portal
    violations: list[Violation] = field(default_factory=list)
    _signing_in: Page | None = None  # the page being signed in, while the window is open

    @contextmanager
    def sign_in_window(self, page: Page) -> Iterator[None]:
        """While open, the posts of signing in on `page` may pass: its main frame's `/login`
        posts to the portal, its form posts, and its requests while off the portal (the IdP's).
        Popups, frames and workers stay guarded: a rogue page's late post must not slip in."""
        self._signing_in = page
        try:
            yield
        finally:
            self._signing_in = None

    def guards(self, url: str) -> bool:
        """True when `url` is on the portal's host (any port, any letter case, trailing dot)."""
        return _hostname(url) == _hostname(f"//{self.host}")

    def allows(self, request: Request) -> bool:
        """True when `request` may reach the network: a safe method, or a post of signing in."""
        if request.method.upper() in SAFE_METHODS:
            return True
        frame = self._signing_in_frame(request)
        return frame is not None and self._signs_in(request, frame)

    def _signing_in_frame(self, request: Request) -> Frame | None:
        """The main frame of the page being signed in, when `request` comes from it."""
        if self._signing_in is None:
            return None
        try:
            frame = request.frame
        except PlaywrightError:  # a worker's request has no frame: never part of signing in
            return None
        main = frame.parent_frame is None and frame.page is self._signing_in
        return frame if main else None

    def _signs_in(self, request: Request, frame: Frame) -> bool:
        """The portal's `/login` posts, form posts (navigations), and the IdP page's own."""
        path = urlsplit(request.url).path
        if self.guards(request.url) and _under(path, SIGN_IN_PREFIX):
            return True
        on_identity_provider = urlsplit(frame.url).scheme in ("http", "https") and not self.guards(
            frame.url
        )
        return request.is_navigation_request() or on_identity_provider

    def handle(self, route: Route, request: Request) -> None:
        """The context-wide route handler: block media, enforce read-only, pass the rest."""
        if request.resource_type in BLOCKED_RESOURCES:
            route.abort("blockedbyclient")
        elif self.allows(request):
            route.fallback()
        else:
            self.record(request.method.upper(), request.url)
            route.abort("blockedbyclient")

    def refuse_socket(self, socket: WebSocketRoute) -> None:
        """Every WebSocket is a channel that could carry writes: never connected, recorded."""
        self.record("WEBSOCKET", socket.url)
        with contextlib.suppress(PlaywrightError):  # the page may have gone already
            socket.close(code=1008, reason="refused by the read-only guard")

    def report(self, source: object, kind: object, url: object) -> None:
        """The init script's report of a refused API (the page can only add to these)."""
        shown = kind if isinstance(kind, str) and kind in REFUSED_KINDS else "REFUSED"
        self.record(shown, url if isinstance(url, str) else "")

    def record(self, method: str, url: str) -> None:
        """Remember a blocked request (its path only: a query may hold a secret)."""
        parts = urlsplit(url)
        if parts.scheme and parts.scheme not in NETWORK_SCHEMES:  # blob:, data: … say just that
            host, path = None, f"{parts.scheme}:"
        else:
            host, path = (None if self.guards(url) else parts.netloc), parts.path or "/"
        violation = Violation(method, path[:200], utc_now(), host)
        self.violations.append(violation)
        log.error("read-only guard blocked %s", violation.describe())

    def install(self, context: BrowserContext) -> None:
        """Guard every request, WebSocket and worker of `context` (before any page opens)."""
        context.expose_binding(GUARD_BINDING, self.report)
        context.add_init_script(GUARD_SCRIPT)
        context.route(_every_url, self.handle)
        context.route_web_socket(_every_url, self.refuse_socket)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _hostname(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.rstrip(".") if host else host


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
            service_workers="block",  # besides the guard's own refusal of registrations
            locale="en-GB",
            timezone_id="UTC",
        )
    except PlaywrightError as exc:
        raise BrowserError(f"Could not open a browser context: {exc.message}") from exc
    context.set_default_timeout(options.timeout_ms)
    context.set_default_navigation_timeout(options.timeout_ms)
    guard.install(context)
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
