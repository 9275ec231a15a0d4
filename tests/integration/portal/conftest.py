"""Fixtures for the portal fixture's own tests: HTTP clients (signed in or not), TOTP codes
(from pyotp, an implementation independent of the portal's), and a signed-in browser page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Page

SignIn = Callable[..., httpx.Response]


def totp_at(secret: str, epoch: float) -> str:
    """The TOTP code for the 30 s step containing `epoch`."""
    return pyotp.TOTP(secret).at(int(epoch))


@pytest.fixture
def http(portal: Any) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client on the portal that does not follow redirects."""
    with httpx.Client(base_url=portal.url, follow_redirects=False, timeout=30) as client:
        yield client


@pytest.fixture
def sign_in(portal: Any) -> SignIn:
    """Walk the sign-in steps over HTTP with `client`; returns the last response."""

    def run(client: httpx.Client, email: str, password: str, totp_secret: str | None = None,
            next_path: str = "/0/dashboard") -> httpx.Response:
        client.post("/login/email", data={"email": email, "next": next_path})
        response = client.post("/login/password", data={"email": email, "password": password,
                                                          "next": next_path})
        location = response.headers.get("location", "")
        if totp_secret and response.status_code == 303 and location.startswith("/login/2fa"):
            now = portal.control.clock()["epoch"]
            response = client.post("/login/2fa", data={"code": totp_at(totp_secret, now), "next": next_path})
        return response

    return run


@pytest.fixture
def signed_in(http: httpx.Client, sign_in: SignIn, password_admin: Any) -> httpx.Client:
    """An HTTP client holding a live session of the password-only admin."""
    response = sign_in(http, password_admin.email, password_admin.password)
    assert response.status_code == 303, response.text
    return http


@pytest.fixture
def admin_page(page: Page, portal: Any, signed_in: httpx.Client) -> Page:
    """A browser page whose context carries the session cookie of `signed_in`."""
    token = signed_in.cookies.get("tessian_session")
    page.context.add_cookies([{"name": "tessian_session", "value": token, "url": portal.url}])
    return page


@pytest.fixture
def totp(portal: Any) -> Callable[..., str]:
    """`totp(secret, steps=0)`: the code for the portal clock's step plus `steps` (freeze the clock
    first where a step boundary would matter)."""

    def code(secret: str, steps: int = 0) -> str:
        return totp_at(secret, portal.control.clock()["epoch"] + steps * 30)

    return code
