"""The read-only guard: a "Remove" click never reaches the portal as a write."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flows.session import PortalSession

pytestmark = pytest.mark.integration
PORTAL_USERS = "/0/admin/portal-users"


def wait_for_violations(session: PortalSession, count: int, timeout_s: float = 5.0) -> None:
    """Wait until the guard has recorded `count` blocked requests (route handlers are async)."""
    deadline = time.monotonic() + timeout_s
    while len(session.violations) < count and time.monotonic() < deadline:
        session.page.wait_for_timeout(50)


def test_remove_is_dismissed_and_a_forced_submit_is_blocked(
    open_session: Any, creds: Any, tenant_portal: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Clicking "Remove" meets a dismissed confirm; submitting the form anyway (no confirm) and
    a scripted DELETE are aborted by the guard, recorded, and the fixture sees no write at all."""
    with open_session(creds("password")) as s:
        s.goto(PORTAL_USERS)
        remove = s.page.get_by_role("button", name="Remove").first
        remove.click()  # the confirm() dialog is dismissed: the form is not submitted
        s.page.wait_for_timeout(300)
        assert s.violations == [] and "dismissed a confirm dialog" in caplog.text
        outcome = s.page.evaluate(
            "url => fetch(url, {method: 'DELETE'}).then(() => 'sent', () => 'blocked')",
            s.url(PORTAL_USERS + "/1"),
        )
        assert outcome == "blocked"
        remove.evaluate("button => button.form.submit()")  # bypasses the confirm entirely
        wait_for_violations(s, 2)
        assert [(v.method, v.path.endswith("/remove")) for v in s.violations] == [
            ("DELETE", False),
            ("POST", True),
        ]
        assert [e.kind.value for e in s.violation_errors()] == ["read_only_violation"] * 2
    assert tenant_portal.control.writes() == []
    unsafe = [
        r
        for r in tenant_portal.control.requests()
        if r["method"] not in ("GET", "HEAD", "OPTIONS") and not r["path"].startswith("/login")
    ]
    assert unsafe == []


def test_images_fonts_and_media_are_blocked(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """An image requested by a page never reaches the portal (nothing to read there)."""
    with open_session(creds("password")) as s:
        loaded = s.page.evaluate(
            """src => new Promise(done => {
            const img = new Image();
            img.onload = () => done("loaded");
            img.onerror = () => done("blocked");
            img.src = src;
        })""",
            s.url("/static/logo.png"),
        )
    assert loaded == "blocked"
    assert not any(r["path"] == "/static/logo.png" for r in tenant_portal.control.requests())
