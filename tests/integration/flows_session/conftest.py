"""Helpers for the session/sign-in tests: the scenario tenant's admins and a session opener."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from flows.browser import BrowserOptions
from flows.session import PortalSession, portal_session
from flows.sign_in import Credentials

TENANT = "one-page"
TENANT_FILE = Path(__file__).resolve().parents[3] / "fixtures" / "tenants" / f"{TENANT}.json"
OPTIONS = BrowserOptions(timeout_ms=10_000)


def tenant_data() -> dict[str, Any]:
    """The scenario tenant the tests load (its admins, users and tokens)."""
    return json.loads(TENANT_FILE.read_text(encoding="utf-8"))


def admin(kind: str) -> dict[str, Any]:
    """An admin of the tenant: `totp`, `password`, `okta` or `entra`."""
    for a in tenant_data()["admins"]:
        if a["sso"]:
            method = a.get("sso_provider") or "okta"
        else:
            method = "totp" if a["totp_secret"] else "password"
        if method == kind:
            return a
    raise LookupError(kind)


def credentials(kind: str, **changes: Any) -> Credentials:
    """Connector credentials for one of the tenant's admins, optionally altered."""
    a = admin(kind)
    values: dict[str, Any] = {
        "email": a["email"],
        "password": a.get("password"),
        "totp_secret": a.get("totp_secret"),
    }
    if a["sso"]:
        values.update(sso=kind, sso_password=a["sso_password"])
    return Credentials(**{**values, **changes})


def posts(requests: list[dict[str, Any]]) -> list[str]:
    """Paths of the POST requests in a request log, in order."""
    return [r["path"] for r in requests if r["method"] == "POST"]


@pytest.fixture
def tenant_portal(portal: Any) -> Any:
    """The running fixture portal with the scenario tenant loaded and an empty request log."""
    portal.control.load_tenant(TENANT)
    return portal


Opener = Callable[..., AbstractContextManager[PortalSession]]


@pytest.fixture
def open_session(tenant_portal: Any, tmp_path: Path, browser: Browser) -> Iterator[Opener]:
    """Open a portal session on the fixture portal (pytest-playwright's shared Chromium, one
    context per session) with a per-test state folder."""

    def opener(creds: Credentials, **kwargs: Any) -> AbstractContextManager[PortalSession]:
        kwargs.setdefault("options", OPTIONS)
        kwargs.setdefault("browser", browser)
        kwargs.setdefault("state_dir", tmp_path / "state")
        return portal_session(tenant_portal.url, creds, **kwargs)

    yield opener


@pytest.fixture
def creds() -> Callable[..., Credentials]:
    """`creds(kind, **changes)`: credentials of the tenant's totp/password/okta/entra admin."""
    return credentials


@pytest.fixture
def tenant() -> dict[str, Any]:
    """The scenario tenant's data, as loaded into the portal."""
    return tenant_data()
