"""Shared pytest fixtures: the running fixture portal, its control client, and browser settings.

`portal` starts the fake Tessian portal once per test session (uvicorn in a background thread on
127.0.0.1, port 0, control API on); an autouse fixture resets it after every test once it has been
started, so tests never see each other's tenant, faults, sessions or request log.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `fixtures` is not installed (kept out of the wheel)
    sys.path.insert(0, str(ROOT))
pytest_plugins = ["tests.history_stores"]  # the history fixtures on SQLite and PostgreSQL

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
_PORTAL_KEY = pytest.StashKey["RunningPortal"]()


@dataclass(frozen=True)
class Admin:
    """A portal sign-in account of the scenario tenants (see fixtures/tenants/FORMAT.md)."""

    email: str
    password: str | None
    totp_secret: str | None = None
    sso_provider: str | None = None
    sso_password: str | None = None

    @property
    def seed(self) -> str | None:
        """The TOTP seed (alias of `totp_secret`)."""
        return self.totp_secret


DEMO_ADMIN = Admin("security.admin@acme.example", "demo-Passw0rd!", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
PASSWORD_ADMIN = Admin("password.admin@acme.example", "plain-Passw0rd!")
SSO_ADMIN = Admin("sso.admin@acme.example", None, sso_provider="okta", sso_password="okta-Passw0rd!")
ENTRA_ADMIN = Admin("entra.admin@acme.example", None, sso_provider="entra", sso_password="entra-Passw0rd!")


class PortalControl:
    """Client of the portal's `/__control/` API."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url + "/__control", timeout=30)

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Back to the start tenant; faults, sessions, lock-outs, request log and writes cleared."""
        self._post("/reset")

    def load_tenant(self, name_or_path: str | Path) -> dict[str, Any]:
        """Load a scenario by name, or a tenant file by path (absolute, or ending in .json)."""
        raw = str(name_or_path)
        key = "path" if raw.endswith(".json") or "/" in raw else "name"
        return self._post("/tenant", {key: raw})

    def faults(self, **switches: Any) -> dict[str, Any]:
        """Set fault switches (names in fixtures/portal/README.md); returns all current switches."""
        return self._post("/faults", switches)

    def requests(self) -> list[dict[str, Any]]:
        """The request log (method, path, query, status, time …), oldest first."""
        return self.client.get("/requests").json()

    def writes(self) -> list[dict[str, Any]]:
        """Every call that reached a destructive endpoint."""
        return self.client.get("/writes").json()

    def expire_sessions(self) -> None:
        """End every portal session now (the next page load gets the sign-in page)."""
        self._post("/session/expire")

    def lock_account(self, email: str) -> None:
        """Lock an admin account as if five sign-ins had failed."""
        self._post("/account/lock", {"email": email})

    def clock(self, *, advance: float | None = None, offset: float | None = None,
              freeze: bool | None = None) -> dict[str, Any]:
        """Move the portal clock (sessions, lock-outs, TOTP): freeze it, set or add seconds."""
        body = {k: v for k, v in {"advance": advance, "offset": offset, "freeze": freeze}.items()
                if v is not None}
        return self._post("/clock", body)

    def state(self) -> dict[str, Any]:
        """Tenant name, counts, faults, sessions (for debugging tests)."""
        return self.client.get("/state").json()


@dataclass
class RunningPortal:
    """A fixture portal server: its base URL and its control client."""

    url: str
    control: PortalControl
    server: Any = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.control.client.close()


def start_portal(tenant: str | Path = "demo", **settings: Any) -> RunningPortal:
    """Start a portal (control API on) in a background thread on 127.0.0.1:0 and wait for it."""
    import socket

    import uvicorn

    from fixtures.portal.app import create_app
    from fixtures.portal.rogue import alias_sockets

    app = create_app(tenant, control=True, **settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    aliases = alias_sockets(sock.getsockname()[1])  # the same portal on 127.0.0.2 and [::1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock, *aliases]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fixture portal did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return RunningPortal(url, PortalControl(url), server, thread)


def _start_tenant() -> str:
    """The tenant `portal` starts with: $TESSIAN_FIXTURE_TENANT, else demo, else one-page."""
    from fixtures.portal.tenant import scenario_names

    wanted = os.environ.get("TESSIAN_FIXTURE_TENANT")
    if wanted:
        return wanted
    return "demo" if "demo" in scenario_names() else "one-page"


@pytest.fixture(scope="session")
def portal(request: pytest.FixtureRequest) -> Iterator[RunningPortal]:
    """The fixture portal, started once per session (control API on), reset after each test."""
    running = start_portal(_start_tenant())
    request.config.stash[_PORTAL_KEY] = running
    yield running
    del request.config.stash[_PORTAL_KEY]
    running.stop()


@pytest.fixture(scope="session")
def portal_factory() -> Iterator[Any]:
    """Start extra portals with their own tenant/settings: `portal_factory("empty", idle_timeout=5)`."""
    started: list[RunningPortal] = []

    def start(tenant: str | Path = "one-page", **settings: Any) -> RunningPortal:
        started.append(start_portal(tenant, **settings))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture(autouse=True)
def _reset_portal_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reset the portal after every test, once some test has started it."""
    yield
    running = request.config.stash.get(_PORTAL_KEY, None)
    if running is not None:
        running.control.reset()


def find_browser() -> str | None:
    """$TESSIAN_BROWSER_EXECUTABLE, else /usr/bin/chromium, else a Chromium/Chrome on PATH."""
    explicit = os.environ.get("TESSIAN_BROWSER_EXECUTABLE")
    if explicit:
        return explicit
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Point pytest-playwright at the system Chromium with launch args that work here."""
    args = {**browser_type_launch_args, "args": BROWSER_ARGS}
    executable = find_browser()
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """pytest-playwright's own `base_url` is a method-fixture that pytest 9 warns about (and
    warnings are errors here); tests pass absolute URLs, so no base URL is set."""
    return None


@pytest.fixture(scope="session")
def demo_admin() -> Admin:
    """The password + TOTP admin of the demo and scenario tenants."""
    return DEMO_ADMIN


@pytest.fixture(scope="session")
def password_admin() -> Admin:
    """The password-only admin of the scenario tenants."""
    return PASSWORD_ADMIN


@pytest.fixture(scope="session")
def sso_admin() -> Admin:
    """The Okta SSO admin of the scenario tenants."""
    return SSO_ADMIN


@pytest.fixture(scope="session")
def large_tenant_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`large-10k.json`, generated once per session into a temporary folder."""
    from fixtures.tenants.generate import large_tenant

    return large_tenant(tmp_path_factory.mktemp("tenants"))


PYTEST_PLAYWRIGHT_FIXTURES = frozenset({"page", "context", "browser", "playwright"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests that use pytest-playwright's fixtures last.

    pytest-playwright keeps one sync Playwright (and its event loop) alive for the rest of the
    session once its `playwright` fixture starts; an in-process `sync_playwright()` started after
    that fails with "Sync API inside the asyncio loop". The connector's own flows start their own
    Playwright, so those tests must all run before the first test that uses pytest-playwright.
    """
    def uses_pytest_playwright(item: pytest.Item) -> bool:
        return bool(PYTEST_PLAYWRIGHT_FIXTURES & set(getattr(item, "fixturenames", ())))

    items.sort(key=uses_pytest_playwright)  # stable: keeps the order within each group


@pytest.fixture
def umask022() -> Iterator[None]:
    """The common default umask, under which a plain open() gives 0644 (restored afterwards)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)
