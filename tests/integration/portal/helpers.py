"""Helpers shared by the portal fixture's tests: HTTP sign-in and TOTP codes."""

from __future__ import annotations

import time

import httpx

from fixtures.portal.totp import code_at


def totp_now(secret: str, offset_steps: int = 0, now: float | None = None) -> str:
    """The TOTP code for the current 30 s step (plus `offset_steps`)."""
    return code_at(secret, int((now if now is not None else time.time()) // 30) + offset_steps)


def sign_in(client: httpx.Client, email: str, password: str, totp_secret: str | None = None,
            next_path: str = "/0/dashboard") -> httpx.Response:
    """Walk the sign-in steps over HTTP; returns the last response (not following redirects)."""
    client.post("/login/email", data={"email": email, "next": next_path})
    response = client.post("/login/password", data={"email": email, "password": password, "next": next_path})
    if totp_secret and response.status_code == 303 and response.headers["location"].startswith("/login/2fa"):
        response = client.post("/login/2fa", data={"code": totp_now(totp_secret), "next": next_path})
    return response
