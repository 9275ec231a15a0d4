"""Sign-in, two-factor, lock-out, sessions and sign-out of the fixture portal, over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.integration
PAGES = ["/0/dashboard", "/0/admin/user-monitoring", "/0/admin/user-monitoring/1",
         "/0/admin/portal-users", "/0/admin/groups", "/0/admin/groups/1", "/0/admin/audit-trail",
         "/0/admin/integrations/directory-sync", "/0/admin/integrations/api/tokens"]
INCORRECT = "Incorrect email or password."
LOCKED = "Too many attempts. Your account is locked for 15 minutes."


def password_step(client: httpx.Client, email: str, password: str, next_path: str = "") -> httpx.Response:
    return client.post("/login/password", data={"email": email, "password": password, "next": next_path})


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in_without_session(http: httpx.Client, path: str) -> None:
    """Every /0/ page answers 302 to /login?next=<the page> without a session."""
    response = http.get(path + "?page=2")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=" + (path + "?page=2").replace("/", "%2F").replace("?", "%3F").replace("=", "%3D")


def test_password_sign_in_lands_on_next_with_httponly_cookie(http: httpx.Client, password_admin: Any) -> None:
    """Email, Continue, password: a HttpOnly session cookie and a redirect to `next`."""
    first = http.post("/login/email", data={"email": password_admin.email, "next": "/0/admin/groups"})
    assert first.status_code == 303 and first.headers["location"].startswith("/login/password?")
    step = http.get(first.headers["location"])
    assert 'label for="password">Password<' in step.text and ">Sign in with SSO</a>" in step.text
    done = password_step(http, password_admin.email, password_admin.password, "/0/admin/groups")
    assert done.status_code == 303 and done.headers["location"] == "/0/admin/groups"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("tessian_session=") and "HttpOnly" in cookie
    assert http.get("/0/admin/groups").status_code == 200


def test_next_cannot_leave_the_site(http: httpx.Client, password_admin: Any) -> None:
    """An absolute or protocol-relative `next` lands on the dashboard instead."""
    for target in ("https://evil.example/", "//evil.example/x"):
        done = password_step(http, password_admin.email, password_admin.password, target)
        assert done.headers["location"] == "/0/dashboard"


def test_wrong_password_shows_alert(http: httpx.Client, password_admin: Any) -> None:
    """A wrong password answers 401 with the modelled alert and no session."""
    response = password_step(http, password_admin.email, "wrong")
    assert response.status_code == 401
    assert f'role="alert" class="alert">{INCORRECT}<' in response.text
    assert "tessian_session" not in http.cookies


def test_five_failures_lock_the_account_for_15_minutes(http: httpx.Client, portal: Any,
                                                      password_admin: Any) -> None:
    """The fifth failure locks; the right password is refused until 15 minutes have passed."""
    portal.control.clock(freeze=True)
    statuses = [password_step(http, password_admin.email, "wrong").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 403]
    locked = password_step(http, password_admin.email, password_admin.password)
    assert locked.status_code == 403 and LOCKED in locked.text
    portal.control.clock(advance=14 * 60 + 59)
    assert password_step(http, password_admin.email, password_admin.password).status_code == 403
    portal.control.clock(advance=2)
    assert password_step(http, password_admin.email, password_admin.password).status_code == 303


def test_success_resets_the_failure_count(http: httpx.Client, password_admin: Any) -> None:
    """Four failures, a success, then four more failures do not lock (five *in a row* lock)."""
    for _ in range(4):
        password_step(http, password_admin.email, "wrong")
    assert password_step(http, password_admin.email, password_admin.password).status_code == 303
    for _ in range(4):
        assert password_step(http, password_admin.email, "wrong").status_code == 401


def test_control_account_lock(http: httpx.Client, portal: Any, password_admin: Any) -> None:
    """The control API locks an account as five failures would."""
    portal.control.lock_account(password_admin.email)
    assert LOCKED in password_step(http, password_admin.email, password_admin.password).text


def totp_flow(http: httpx.Client, admin: Any) -> httpx.Response:
    response = password_step(http, admin.email, admin.password, "/0/admin/audit-trail")
    assert response.status_code == 303 and response.headers["location"].startswith("/login/2fa")
    page = http.get(response.headers["location"])
    assert "<h1>Two-factor authentication</h1>" in page.text and ">Authentication code<" in page.text
    return response


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_totp_accepts_the_current_and_adjacent_steps(http: httpx.Client, portal: Any, demo_admin: Any,
                                                     totp: Any, steps: int) -> None:
    """A code from the previous, current or next 30 s step is accepted."""
    portal.control.clock(freeze=True)
    totp_flow(http, demo_admin)
    done = http.post("/login/2fa", data={"code": totp(demo_admin.seed, steps), "next": "/0/admin/audit-trail"})
    assert done.status_code == 303 and done.headers["location"] == "/0/admin/audit-trail"


@pytest.mark.parametrize("steps", [-2, 2])
def test_totp_rejects_codes_two_steps_away(http: httpx.Client, portal: Any, demo_admin: Any,
                                           totp: Any, steps: int) -> None:
    """A code two steps old or ahead is refused with the alert "Invalid code."."""
    portal.control.clock(freeze=True)
    totp_flow(http, demo_admin)
    response = http.post("/login/2fa", data={"code": totp(demo_admin.seed, steps)})
    assert response.status_code == 401 and 'role="alert" class="alert">Invalid code.<' in response.text


def test_totp_code_cannot_be_reused(portal: Any, demo_admin: Any, totp: Any) -> None:
    """The same code signs in once; a second sign-in with it in the same window is refused."""
    portal.control.clock(freeze=True)
    code = totp(demo_admin.seed)
    results = []
    for _ in range(2):
        with httpx.Client(base_url=portal.url) as client:
            totp_flow(client, demo_admin)
            results.append(client.post("/login/2fa", data={"code": code}).status_code)
    assert results == [303, 401]


def test_totp_without_password_step_goes_back_to_sign_in(http: httpx.Client) -> None:
    """The two-factor step cannot be reached without passing the password step."""
    assert http.get("/login/2fa").headers["location"] == "/login"
    assert http.post("/login/2fa", data={"code": "123456"}).headers["location"] == "/login"


def test_idle_expiry(signed_in: httpx.Client, portal: Any) -> None:
    """A session used within the idle limit lives on; one idle longer answers the sign-in redirect."""
    portal.control.clock(freeze=True)
    portal.control.faults(session_idle_seconds=60)
    portal.control.clock(advance=59)
    assert signed_in.get("/0/dashboard").status_code == 200
    portal.control.clock(advance=59)
    assert signed_in.get("/0/dashboard").status_code == 200
    portal.control.clock(advance=61)
    assert signed_in.get("/0/dashboard").status_code == 302
    assert signed_in.get("/0/data/groups").status_code == 401


def test_default_idle_expiry_is_30_minutes(signed_in: httpx.Client, portal: Any) -> None:
    """By default a session survives 29:59 idle and ends after 30:01."""
    portal.control.clock(freeze=True)
    portal.control.clock(advance=30 * 60 - 1)
    assert signed_in.get("/0/dashboard").status_code == 200
    portal.control.clock(advance=30 * 60 + 1)
    assert signed_in.get("/0/dashboard").status_code == 302


def test_default_absolute_expiry_is_12_hours(signed_in: httpx.Client, portal: Any) -> None:
    """A session kept busy every 25 minutes still ends 12 hours after sign-in."""
    portal.control.clock(freeze=True)
    for _ in range(28):  # 28 x 25 min = 11 h 40 min
        portal.control.clock(advance=25 * 60)
        assert signed_in.get("/0/dashboard").status_code == 200
    portal.control.clock(advance=21 * 60)
    assert signed_in.get("/0/dashboard").status_code == 302


def test_absolute_expiry_switch(signed_in: httpx.Client, portal: Any) -> None:
    """The absolute limit can be shrunk to seconds and ends even an active session."""
    portal.control.clock(freeze=True)
    portal.control.faults(session_absolute_seconds=10)
    portal.control.clock(advance=6)
    assert signed_in.get("/0/dashboard").status_code == 200
    portal.control.clock(advance=5)
    assert signed_in.get("/0/dashboard").status_code == 302


def test_control_session_expire(signed_in: httpx.Client, portal: Any) -> None:
    """POST /__control/session/expire ends sessions now."""
    portal.control.expire_sessions()
    assert signed_in.get("/0/admin/groups").status_code == 302


def test_sign_out(signed_in: httpx.Client) -> None:
    """Sign out (a POST under /login) ends the session."""
    assert signed_in.get("/0/dashboard").text.count(">Sign out</button>") == 1
    assert signed_in.post("/login/sign-out").headers["location"] == "/login"
    assert signed_in.get("/0/dashboard").status_code == 302


def _follow_okta(client: httpx.Client, admin: Any, password: str) -> httpx.Response:
    start = client.get("/login/sso", params={"email": admin.email, "next": "/0/admin/groups"})
    assert start.status_code == 302 and start.headers["location"].startswith("/__idp/okta/authorize?")
    query = parse_qs(urlsplit(start.headers["location"]).query)
    form = {"username": admin.email, "password": password, "state": query["state"][0],
            "redirect_uri": query["redirect_uri"][0]}
    return client.post("/__idp/okta/signin", data=form)


def test_sso_okta_round_trip(http: httpx.Client, sso_admin: Any) -> None:
    """SSO: /login/sso -> fake Okta page -> /login/sso/callback -> signed in, at `next`."""
    back = _follow_okta(http, sso_admin, sso_admin.sso_password)
    assert back.status_code == 303 and back.headers["location"].startswith("/login/sso/callback?")
    done = http.get(back.headers["location"])
    assert done.status_code == 303 and done.headers["location"] == "/0/admin/groups"
    assert http.get("/0/admin/groups").status_code == 200


def test_sso_callback_rejects_tampering_and_replay(http: httpx.Client, sso_admin: Any) -> None:
    """A forged code, another email, or a replayed state are refused with an alert."""
    callback = _follow_okta(http, sso_admin, sso_admin.sso_password).headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    forged = http.get("/login/sso/callback", params={**query, "code": "0" * 64})
    assert forged.status_code == 403 and "Single sign-on failed" in forged.text
    callback = _follow_okta(http, sso_admin, sso_admin.sso_password).headers["location"]
    assert http.get(callback).status_code == 303
    assert http.get(callback).status_code == 403  # the state is single-use


def test_sso_wrong_idp_password_stays_at_the_idp(http: httpx.Client, sso_admin: Any) -> None:
    """The fake Okta page refuses a wrong password and never calls back."""
    assert _follow_okta(http, sso_admin, "wrong").status_code == 401


def test_sso_not_enabled_for_password_admin(http: httpx.Client, password_admin: Any) -> None:
    """"Sign in with SSO" for an admin without SSO shows an alert instead of redirecting."""
    response = http.get("/login/sso", params={"email": password_admin.email})
    assert response.status_code == 400 and "Single sign-on is not enabled" in response.text


def test_sso_entra_goes_to_the_microsoft_page(http: httpx.Client, portal: Any) -> None:
    """An admin whose sso_provider is entra is sent to the fake Microsoft sign-in page."""
    start = http.get("/login/sso", params={"email": "entra.admin@acme.example"})
    assert start.headers["location"].startswith("/__idp/microsoft/authorize?")


def test_password_never_reaches_the_request_log(http: httpx.Client, portal: Any, demo_admin: Any,
                                                totp: Any) -> None:
    """The request log records sign-in posts without bodies, codes or cookies."""
    totp_flow(http, demo_admin)
    http.post("/login/2fa", data={"code": totp(demo_admin.seed)})
    log = str(portal.control.requests())
    assert "/login/password" in log and "/login/2fa" in log
    assert demo_admin.password not in log and http.cookies["tessian_session"] not in log


def test_create_app_timeouts_and_lockout_settings(portal_factory: Any, password_admin: Any) -> None:
    """create_app's idle_timeout and lockout_failures apply (down to seconds / fewer attempts)."""
    other = portal_factory("one-user", idle_timeout=5, lockout_failures=2)
    other.control.clock(freeze=True)
    with httpx.Client(base_url=other.url) as client:
        assert password_step(client, password_admin.email, password_admin.password).status_code == 303
        other.control.clock(advance=4)
        assert client.get("/0/dashboard", follow_redirects=False).status_code == 200
        other.control.clock(advance=6)
        assert client.get("/0/dashboard", follow_redirects=False).status_code == 302
        codes = [password_step(client, password_admin.email, "x").status_code for _ in range(2)]
        assert codes == [401, 403]
