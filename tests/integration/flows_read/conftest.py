"""Fixtures for the reader tests: signed-in PortalSessions on pytest-playwright's shared browser.

Each test gets fresh contexts signed in through SESSION's real sign-in flow (the password admin
of the scenario tenants), so readers are exercised exactly as `portal_session` would hand them a
session, without launching a browser per test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext

from flows.browser import BrowserOptions, ReadOnlyGuard, new_context
from flows.collect import ReadOptions
from flows.session import PortalSession, private_dir
from flows.sign_in import Credentials

PASSWORD_ADMIN = Credentials(email="password.admin@acme.example", password="plain-Passw0rd!")
FAST = ReadOptions(page_timeout_ms=4_000, retry_attempts=3, retry_backoff_s=0.05)

MakeSession = Callable[..., PortalSession]


@pytest.fixture
def make_session(portal: Any, browser: Browser, tmp_path: Path) -> Iterator[MakeSession]:
    """A factory of signed-in sessions on the fixture portal (closed after the test)."""
    contexts: list[BrowserContext] = []

    def make(overrides: Mapping[str, str] | None = None, evidence: bool = False) -> PortalSession:
        options = BrowserOptions(timeout_ms=10_000)
        guard = ReadOnlyGuard(urlsplit(portal.url).netloc)
        context = new_context(browser, guard, options, None)
        contexts.append(context)
        state = private_dir(tmp_path / "state") / "storage.json"
        session = PortalSession(context.new_page(), context, portal.url, PASSWORD_ADMIN, guard,
                                state, options, dict(overrides or {}),
                                private_dir(tmp_path / "evidence") if evidence else None)
        session.sign_in()
        return session

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def session(make_session: MakeSession) -> PortalSession:
    """One signed-in session with no locator overrides."""
    return make_session()
