"""The fake IdP pages' contract with the portal, over plain HTTP (no browser)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fixtures.sso import authorize_url, sign_code, verify_code

pytestmark = pytest.mark.integration


def test_codes_are_bound_to_provider_email_and_state() -> None:
    """A code verifies only for the provider, email (any case) and state it was issued for."""
    code = sign_code(b"k", "okta", "A@x.example", "s1")
    assert verify_code(b"k", "okta", "a@x.example", "s1", code)
    assert not verify_code(b"k", "microsoft", "a@x.example", "s1", code)
    assert not verify_code(b"k", "okta", "a@x.example", "s2", code)
    assert not verify_code(b"other", "okta", "a@x.example", "s1", code)


def test_authorize_url_accepts_the_tenant_format_name_entra() -> None:
    """`entra` (the tenant format's name) leads to the Microsoft page."""
    assert authorize_url("entra", email="a@x", state="s", redirect_uri="/cb").startswith(
        "/__idp/microsoft/authorize?"
    )


def test_okta_page_refuses_a_wrong_password_and_returns_to_the_portal_only(
    tenant_portal: Any, creds: Any
) -> None:
    """A wrong password gets the Okta alert (401); a right one returns to the given same-site
    callback, never to another site."""
    c = creds("okta")
    with httpx.Client(base_url=tenant_portal.url) as client:
        form = {"username": c.email, "state": "s1", "redirect_uri": "//evil.example/cb"}
        refused = client.post("/__idp/okta/signin", data={**form, "password": "nope"})
        assert refused.status_code == 401 and "Unable to sign in" in refused.text
        done = client.post("/__idp/okta/signin", data={**form, "password": c.sso_password})
    location = urlsplit(done.headers["location"])
    assert done.status_code == 303 and location.netloc == ""
    assert location.path == "/login/sso/callback"
    assert parse_qs(location.query)["idp"] == ["okta"]
