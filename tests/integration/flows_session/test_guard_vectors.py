"""The read-only guard against every write vector a page script could use (fixtures/portal/rogue).

Each vector is shown blocked in a guarded session (nothing arrives at the fake, and the violation
makes the doctor fail the page, the spot check behind `check` inconclusive and the read behind
`verify` incomplete with read_only_violation), then shown to reach the fake from the same page in
a context without the guard, so that the test can fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from connector.models import CollectionErrorKind
from fixtures.portal.rogue import LIVE_PATH, TARGET, VECTORS
from flows.browser import ReadOnlyGuard, Violation
from flows.collect import ReadOptions, collect
from flows.doctor import doctor
from flows.pages.portal_users import PortalUsersPage
from flows.session import PortalSession
from flows.spot_check import spot_check

pytestmark = pytest.mark.integration
LIST_PAGE = "/0/admin/portal-users"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
READ = ReadOptions(surfaces=("portal_users",), page_timeout_ms=4_000, retry_attempts=1,
                   retry_backoff_s=0.05)
WORKERS = {"worker": "WORKER", "blob_worker": "WORKER", "worker_websocket": "WORKER",
           "shared_worker": "SHAREDWORKER", "service_worker": "SERVICEWORKER",
           "websocket": "WEBSOCKET /0/live", "websocket_stream": "WEBSOCKET /0/live"}
HOSTS = {"host_localhost": "//localhost:", "host_ipv6": "//[::1]:",
         "host_loopback2": "//127.0.0.2:", "host_trailing_dot": "//localhost.:",
         "host_subdomain": "//tessian.localhost:"}
METHODS = {"fetch_put": "PUT", "fetch_patch": "PATCH", "fetch_delete": "DELETE"}


def expected(vector: str) -> str:
    """The part of the guard's record that names what `vector` tried."""
    if vector in WORKERS:
        return WORKERS[vector]
    if vector in HOSTS:
        return f"POST {HOSTS[vector]}"
    return f"{METHODS.get(vector, 'POST')} {TARGET}"


def arrivals(portal: Any, since: int) -> list[dict[str, Any]]:
    """Writes the fake recorded, and request-log entries after `since` that could write."""
    logged = portal.control.requests()[since:]
    unsafe = [r for r in logged if r["method"] not in SAFE or r["path"] == LIVE_PATH]
    return portal.control.writes() + unsafe


def wait_until(page: Page, done: Callable[[], bool], timeout_s: float = 6.0) -> bool:
    """Poll `done` while the page runs (route handlers and workers are asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return done()


def described(violations: list[Violation]) -> list[str]:
    """The guard's records as the reports name them."""
    return [v.describe() for v in violations]


def reaches_unguarded(browser: Browser, cookies: list[Any], portal: Any) -> bool:
    """True when the list page, opened in a context without the guard (service workers allowed)
    with the same session cookies, gets its write through to the fake."""
    raw = browser.new_context()
    try:
        raw.add_cookies(cookies)
        page = raw.new_page()
        # "commit": unguarded, form_post posts, is sent back to the page, and posts again
        page.goto(portal.url + LIST_PAGE, wait_until="commit")
        return wait_until(page, lambda: bool(portal.control.writes()))
    finally:
        raw.close()


@pytest.mark.parametrize("vector", list(VECTORS))
def test_each_vector_is_blocked_and_every_command_is_inconclusive(
    vector: str, open_session: Any, creds: Any, tenant: dict[str, Any], tenant_portal: Any,
    tmp_path: Path, browser: Browser,
) -> None:
    """With the vector on, the doctor fails the page, the spot check is not conclusive and the
    read is incomplete with read_only_violation, each naming what was tried (each flow's own page
    load fires the vector again), and nothing that could write arrives at the fake; while the same
    page without the guard does get its write through (other host names reach the same server,
    the WebSocket its channel), so this test can fail."""
    address = tenant["portal_users"][0]["email"]
    with open_session(creds("password")) as s:
        since = len(tenant_portal.control.requests())
        tenant_portal.control.faults(rogue_write=vector)
        checks = doctor(s, tmp_path / "doctor", pages=(PortalUsersPage,))
        assert not checks[0].ok and expected(vector) in checks[0].message, checks[0].message
        s.guard.violations.clear()
        results = spot_check(s, [address], tmp_path / "check")
        assert results and all(not r.conclusive and expected(vector) in r.message for r in results)
        s.guard.violations.clear()
        read = collect(s, READ).collection("portal_users")
        assert read is not None and not read.complete
        blocked = [e for e in read.errors if e.kind == CollectionErrorKind.READ_ONLY_VIOLATION]
        assert blocked and all(e.fatal for e in blocked)
        assert any(expected(vector) in e.message for e in blocked), read.errors
        s.page.wait_for_timeout(300)  # give a write that slipped through time to arrive
        assert arrivals(tenant_portal, since) == []
        cookies = s.context.cookies()
    assert reaches_unguarded(browser, cookies, tenant_portal)
    assert {w["path"] for w in tenant_portal.control.writes()} <= {TARGET, LIVE_PATH}


def test_service_workers_stay_blocked(open_session: Any, creds: Any, tenant_portal: Any) -> None:
    """Registering a service worker is refused and recorded, also through the prototype that the
    page could call directly, the refusal cannot be replaced, and none is ever registered."""
    with open_session(creds("password")) as s:
        s.goto("/0/dashboard")
        outcome = s.page.evaluate("""async () => {
            const url = "/static/rogue-worker.js?target=" + encodeURIComponent(
                location.origin + "%s");
            const proto = ServiceWorkerContainer.prototype;
            const tries = [() => navigator.serviceWorker.register(url),
                           () => proto.register.call(navigator.serviceWorker, url)];
            ServiceWorkerContainer.prototype.register = () => Promise.resolve("replaced");
            const results = [];
            for (const attempt of tries) results.push(await attempt().then(String, e => e.name));
            results.push((await navigator.serviceWorker.getRegistrations()).length);
            return results;
        }""" % TARGET)
        assert outcome == ["SecurityError", "SecurityError", 0]
        assert wait_until(s.page, lambda: len(s.violations) >= 2)
        assert described(s.violations) == ["SERVICEWORKER /static/rogue-worker.js"] * 2
    assert tenant_portal.control.writes() == []


def test_refused_apis_cannot_be_restored_by_the_page(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A page cannot get a working Worker, SharedWorker or WebSocketStream back: not by deleting
    or reassigning the stub, nor from a fresh iframe or a popup: each try is refused, recorded."""
    with open_session(creds("password")) as s:
        s.goto("/0/dashboard")
        outcome = s.page.evaluate("""() => {
            const names = ["Worker", "SharedWorker", "WebSocketStream"];
            const frame = document.body.appendChild(document.createElement("iframe"));
            const popup = window.open("about:blank");
            const realms = [window, frame.contentWindow, popup];
            for (const name of names) {
                try { delete window[name]; window[name] = null; } catch (e) { /* strict */ }
            }
            const tries = [];
            for (const realm of realms) for (const name of names) {
                try { new realm[name]("/static/rogue-worker.js"); tries.push("made"); }
                catch (e) { tries.push(e.name); }
            }
            popup.close();
            return tries;
        }""")
        assert outcome == ["SecurityError"] * 9
        assert wait_until(s.page, lambda: len(s.violations) >= 9)
        assert {v.method for v in s.violations} == {"WORKER", "SHAREDWORKER", "WEBSOCKET"}
    assert tenant_portal.control.writes() == []


def test_a_login_post_outside_signing_in_is_blocked(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A page script posting to the portal's sign-in paths (here: sign out) outside the sign-in
    window is blocked and recorded, and the session survives it."""
    with open_session(creds("password")) as s:
        s.goto("/0/dashboard")
        outcome = s.page.evaluate(
            "() => fetch('/login/sign-out', {method: 'POST'}).then(() => 'sent', () => 'blocked')")
        assert outcome == "blocked"
        assert described(s.violations) == ["POST /login/sign-out"]
        s.goto(LIST_PAGE)
        assert not s.on_login_page()
    assert not any(r["path"] == "/login/sign-out" for r in tenant_portal.control.requests())


def test_the_identity_providers_own_requests_pass_only_while_signing_in(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A script of a page off the portal (standing in for the identity provider's sign-in page,
    served as localhost) may post while the sign-in window is open, and is blocked after it."""
    with open_session(creds("password")) as s:
        port = urlsplit(tenant_portal.url).port
        s.page.goto(f"http://localhost:{port}/static/portal.css")
        post = "() => fetch('%s', {method: 'POST'}).then(() => 'sent', () => 'blocked')" % TARGET
        with s.guard.sign_in_window(s.page):
            assert s.page.evaluate(post) == "sent"
        assert s.page.evaluate(post) == "blocked"
        assert described(s.violations) == [f"POST //localhost:{port}{TARGET}"]
    assert [w["path"] for w in tenant_portal.control.writes()] == [TARGET]  # the first one only


def test_a_portal_pages_script_stays_blocked_while_signing_in(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """While the sign-in window is open, a portal page's script still cannot post anywhere but the
    sign-in paths: not to the portal, not to another name for it, and no form posted into an
    iframe or a popup (only the signing-in page's own main frame may sign in)."""
    with open_session(creds("password")) as s:
        s.goto("/0/dashboard")
        port = urlsplit(tenant_portal.url).port
        with s.guard.sign_in_window(s.page):
            outcome = s.page.evaluate("""([target, other]) => {
                for (const into of ["rogue-frame", "_blank"]) {
                    if (into !== "_blank") {
                        document.body.appendChild(document.createElement("iframe")).name = into;
                    }
                    const form = document.body.appendChild(document.createElement("form"));
                    Object.assign(form, {method: "post", action: target, target: into});
                    form.submit();
                }
                const post = url => fetch(url, {method: "POST", mode: "no-cors"});
                return Promise.all([target, other].map(url =>
                    post(url).then(() => "sent", () => "blocked")));
            }""", [TARGET, f"http://localhost:{port}{TARGET}"])
            assert outcome == ["blocked", "blocked"]
            assert wait_until(s.page, lambda: len(s.violations) >= 4)
        assert sorted(described(s.violations)) == sorted(
            [f"POST {TARGET}"] * 3 + [f"POST //localhost:{port}{TARGET}"])
    assert tenant_portal.control.writes() == []


def test_the_guard_knows_the_portal_host_with_a_trailing_dot() -> None:
    """`guards` treats a trailing dot as the same host; a record names a foreign host, never a
    query, and says only the scheme of a blob: or data: URL."""
    guard = ReadOnlyGuard("acme.tessian-platform.com")
    assert guard.guards("https://ACME.tessian-platform.com.:8443/0/dashboard")
    assert not guard.guards("https://acme.tessian-platform.com.evil.example/0/dashboard")
    guard.record("POST", "https://Acme.Tessian-Platform.com/0/x?token=secret")
    guard.record("POST", "http://localhost:8000/0/x?token=secret")
    guard.record("WORKER", "blob:https://acme.tessian-platform.com/1234-5678")
    assert described(guard.violations) == ["POST /0/x", "POST //localhost:8000/0/x", "WORKER blob:"]


def test_the_fake_refuses_an_unknown_vector(portal: Any) -> None:
    """The rogue_write switch names known vectors only (a typo would silently test nothing)."""
    response = httpx.post(portal.url + "/__control/faults", json={"rogue_write": "fetch_psot"})
    assert response.status_code == 400
    assert "unknown rogue_write vector 'fetch_psot'" in response.text
    assert portal.control.faults(rogue_write=["worker", "websocket"])["rogue_write"] == [
        "worker", "websocket"]
