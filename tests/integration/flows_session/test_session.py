"""Session reuse across runs, expiry mid-run (one re-sign-in), and the saved state's protection."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector.errors import SessionExpired

pytestmark = pytest.mark.integration
UM = "/0/admin/user-monitoring"


def sign_in_requests(portal: Any, since: int = 0) -> list[dict[str, Any]]:
    """Requests of the log (from entry `since`) that belong to a sign-in (any /login path)."""
    return [r for r in portal.control.requests()[since:] if r["path"].startswith("/login")]


def mode(path: Path) -> int:
    """The permission bits of a file or folder."""
    return stat.S_IMODE(path.stat().st_mode)


def test_second_session_reuses_saved_state(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A second run with the same state folder makes no sign-in request at all."""
    with open_session(creds("password")) as first:
        assert first.sign_in_count == 1
    before = len(tenant_portal.control.requests())
    assert sign_in_requests(tenant_portal)  # the first run did sign in
    with open_session(creds("password")) as second:
        assert second.sign_in_count == 0
        second.goto(UM)
        assert urlsplit(second.page.url).path == UM
    assert sign_in_requests(tenant_portal, since=before) == []


def test_saved_state_is_private(open_session: Any, creds: Any) -> None:
    """The storage state file is 0600 in a 0700 folder, and holds no password."""
    with open_session(creds("password")) as s:
        state_file = s.state_file
    assert mode(state_file) == 0o600 and mode(state_file.parent) == 0o700
    assert creds("password").password not in state_file.read_text()


def test_stale_saved_state_signs_in_again(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """A saved session the portal no longer accepts is checked, discarded, and replaced."""
    with open_session(creds("password")):
        pass
    tenant_portal.control.expire_sessions()
    with open_session(creds("password")) as s:
        assert s.sign_in_count == 1
        assert urlsplit(s.page.url).path == "/0/dashboard"


def test_corrupt_saved_state_signs_in_afresh(open_session: Any, creds: Any) -> None:
    """An unreadable state file does not stop the run: it is replaced after a fresh sign-in."""
    with open_session(creds("password")) as s:
        state_file = s.state_file
    state_file.write_text("{not json")
    with open_session(creds("password")) as s:
        assert s.sign_in_count == 1
    assert state_file.read_text().startswith("{")


def test_expiry_mid_run_signs_in_once_then_gives_up(
    open_session: Any, creds: Any, tenant_portal: Any
) -> None:
    """The first expiry costs one re-sign-in and lands on the page asked for; the next raises."""
    with open_session(creds("password")) as s:
        tenant_portal.control.expire_sessions()
        s.goto(UM)
        assert urlsplit(s.page.url).path == UM
        assert (s.sign_in_count, s.re_sign_ins) == (2, 1)
        tenant_portal.control.expire_sessions()
        with pytest.raises(SessionExpired):
            s.goto(UM)
    password_posts = [
        r
        for r in tenant_portal.control.requests()
        if r["method"] == "POST" and r["path"] == "/login/password"
    ]
    assert len(password_posts) == 2
