"""Every sign-in path and every sign-in failure, in headless Chromium against the fixture portal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from connector.errors import (
    AccountLocked,
    CodeRejected,
    CredentialsRejected,
    PortalUnavailable,
    UnsupportedSignIn,
)

pytestmark = pytest.mark.integration
WRONG_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # valid base32, not the admin's seed


def posts(portal: Any) -> list[str]:
    """Paths of the POSTs the fixture portal received, in order."""
    return [r["path"] for r in portal.control.requests() if r["method"] == "POST"]


def test_password_sign_in(open_session: Any, creds: Any, tenant_portal: Any) -> None:
    """Email + password lands on the dashboard with exactly the two sign-in posts."""
    with open_session(creds("password")) as s:
        assert urlsplit(s.page.url).path == "/0/dashboard"
        assert s.sign_in_count == 1 and s.violations == []
    assert posts(tenant_portal) == ["/login/email", "/login/password"]


def test_totp_sign_in(open_session: Any, creds: Any, tenant_portal: Any) -> None:
    """Password + TOTP answers the two-factor step once with a code from the seed."""
    with open_session(creds("totp")) as s:
        assert urlsplit(s.page.url).path == "/0/dashboard"
    assert posts(tenant_portal) == ["/login/email", "/login/password", "/login/2fa"]


def test_sso_okta_sign_in(open_session: Any, creds: Any, tenant_portal: Any) -> None:
    """ "Sign in with SSO" -> the Okta-hosted page -> back through the callback, signed in."""
    with open_session(creds("okta")) as s:
        assert urlsplit(s.page.url).path == "/0/dashboard"
    assert posts(tenant_portal) == ["/login/email", "/__idp/okta/signin"]
    assert any(r["path"] == "/login/sso/callback" for r in tenant_portal.control.requests())


def test_sso_microsoft_with_stay_signed_in(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """Microsoft: email -> Next -> password -> "Stay signed in?" answered once."""
    with open_session(creds("entra")) as s:
        assert urlsplit(s.page.url).path == "/0/dashboard"
    assert posts(tenant_portal) == [
        "/login/email",
        "/__idp/microsoft/email",
        "/__idp/microsoft/password",
        "/__idp/microsoft/kmsi",
    ]


def test_sso_microsoft_without_stay_signed_in(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """Microsoft without the optional "Stay signed in?" prompt signs in all the same."""
    tenant_portal.control.faults(idp_stay_signed_in=False)
    with open_session(creds("entra")) as s:
        assert urlsplit(s.page.url).path == "/0/dashboard"
    assert posts(tenant_portal) == [
        "/login/email",
        "/__idp/microsoft/email",
        "/__idp/microsoft/password",
    ]


def test_wrong_password_is_tried_exactly_once(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A rejected password raises CredentialsRejected after one attempt: no retry."""
    with (
        pytest.raises(CredentialsRejected),
        open_session(creds("password", password="wrong-Passw0rd")),
    ):
        pass
    assert posts(tenant_portal).count("/login/password") == 1


def test_wrong_code_is_tried_exactly_once(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A rejected TOTP code raises CodeRejected after one attempt: no second code."""
    with pytest.raises(CodeRejected), open_session(creds("totp", totp_secret=WRONG_SEED)):
        pass
    assert posts(tenant_portal).count("/login/2fa") == 1


def test_locked_account(open_session: Any, creds: Any, tenant_portal: Any) -> None:
    """A locked account raises AccountLocked (and the password is sent once only)."""
    tenant_portal.control.lock_account(creds("password").email)
    with pytest.raises(AccountLocked), open_session(creds("password")):
        pass
    assert posts(tenant_portal).count("/login/password") == 1


@pytest.mark.parametrize(
    ("kind", "password_post"),
    [("okta", "/__idp/okta/signin"), ("entra", "/__idp/microsoft/password")],
)
def test_wrong_sso_password_is_tried_once(
    open_session: Any, creds: Any, tenant_portal: Any, kind: str, password_post: str
) -> None:
    """The IdP's "wrong password" alert (Okta or Microsoft) is CredentialsRejected, one attempt."""
    with pytest.raises(CredentialsRejected), open_session(creds(kind, sso_password="nope-1")):
        pass
    assert posts(tenant_portal).count(password_post) == 1


@pytest.mark.parametrize(
    ("kind", "heading"), [("okta", "Okta Verify"), ("entra", "Approve sign in request")]
)
def test_push_mfa_is_unsupported(
    open_session: Any, creds: Any, tenant_portal: Any, kind: str, heading: str
) -> None:
    """An IdP push / number-matching step raises UnsupportedSignIn at once, naming the step."""
    tenant_portal.control.faults(idp_mfa="push")
    with pytest.raises(UnsupportedSignIn) as err, open_session(creds(kind)):
        pass
    assert heading in err.value.message


def test_two_factor_without_seed_is_unsupported(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A two-factor step with no TOTP seed configured raises UnsupportedSignIn, sends no code."""
    with pytest.raises(UnsupportedSignIn), open_session(creds("totp", totp_secret=None)):
        pass
    assert "/login/2fa" not in posts(tenant_portal)


def test_maintenance_at_sign_in_is_portal_unavailable(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A maintenance page instead of the sign-in page is PortalUnavailable, at once, no post."""
    tenant_portal.control.faults(maintenance=True)
    with pytest.raises(PortalUnavailable), open_session(creds("password")):
        pass
    assert posts(tenant_portal) == []


def test_a_refused_password_is_not_sent_by_the_next_run(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """After a refusal the next run (same state folder) fails without sending the same
    password again; the right password is sent and clears the memory."""
    wrong = creds("password", password="wrong-Passw0rd")
    for _ in range(2):
        with pytest.raises(CredentialsRejected), open_session(wrong):
            pass
    assert posts(tenant_portal).count("/login/password") == 1
    with open_session(creds("password")) as s:
        assert s.sign_in_count == 1
        assert not list(s.state_file.parent.glob("refused-*"))
    assert posts(tenant_portal).count("/login/password") == 2
