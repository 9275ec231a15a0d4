"""The fast path of list reading: after page 1, pages are reached with "Next page" (the table
reloads in place), and every retry, re-sign-in or odd click falls back to opening the page's URL,
without losing or double-counting a row."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest

from connector.models import CollectionErrorKind as K
from flows.pages.user_monitoring import UserMonitoringPage
from flows.session import PortalSession
from tests.integration.flows_read.conftest import MakeSession
from tests.integration.flows_read.reading import assert_complete, kinds, read_users

pytestmark = pytest.mark.integration
PAGE = "/0/admin/user-monitoring"
DATA = "/0/data/monitored-users"
USERS = 251  # the one-page-plus-one tenant: three pages of 100


@pytest.fixture
def three_pages(portal: Any) -> int:
    """A 251-user tenant, read 100 rows a page."""
    portal.control.load_tenant("one-page-plus-one")
    return USERS


def _log(portal: Any, path: str) -> list[dict[str, Any]]:
    """The request log's GETs of exactly `path`, oldest first."""
    return [r for r in portal.control.requests() if r["path"] == path and r["method"] == "GET"]


def _pages_opened(portal: Any) -> list[int]:
    """The page numbers of every User Monitoring HTML load (page 1 when the URL names none)."""
    return [int(parse_qs(r["query"]).get("page", ["1"])[0]) for r in _log(portal, PAGE)]


def _offsets(portal: Any) -> list[tuple[int, int]]:
    """(offset, status) of every User Monitoring data call."""
    return [(int(parse_qs(r["query"])["offset"][0]), r["status"]) for r in _log(portal, DATA)]


def test_pages_after_the_first_are_reached_with_next_page(
        portal: Any, session: PortalSession, three_pages: int) -> None:
    """The page HTML is fetched once per pass; each later page is one data call after a
    Next-page click (the second look at pages 1-2, which proves no row moved, too)."""
    users, collection = read_users(session, page_size=100)
    assert_complete(collection, three_pages)
    assert len({u.address.casefold() for u in users}) == three_pages
    assert _pages_opened(portal) == [1, 1]
    assert _offsets(portal) == [(0, 200), (100, 200), (200, 200), (0, 200), (100, 200)]
    assert collection.pages_read == 3 and not collection.errors


def test_a_failed_reload_after_next_page_is_retried_by_url(
        portal: Any, session: PortalSession, three_pages: int) -> None:
    """Page 2's data call fails after the click: page 2 is opened by URL, page 3 by Next again."""
    portal.control.faults(fault_path_prefix=DATA, fail_nth=2)
    users, collection = read_users(session, page_size=100)
    assert_complete(collection, three_pages)
    assert len({u.address.casefold() for u in users}) == three_pages
    assert _pages_opened(portal) == [1, 2, 1]  # then the second look at pages 1-2
    assert _offsets(portal)[:4] == [(0, 200), (100, 500), (100, 200), (200, 200)]
    assert kinds(collection, fatal=False) == {K.HTTP_ERROR}


def test_session_expiry_after_next_page_resumes_by_url(
        portal: Any, session: PortalSession, three_pages: int) -> None:
    """The session ends after page 1: the clicked reload meets 401, the reader signs in again,
    opens page 2 by its URL and goes on with Next; every row once, the expiry on record."""
    expired: list[bool] = []

    def expire_once(response: Any) -> None:
        if DATA in response.url and not expired:
            expired.append(True)
            portal.control.expire_sessions()

    session.page.on("response", expire_once)
    users, collection = read_users(session, page_size=100)
    assert_complete(collection, three_pages)
    assert len({u.address.casefold() for u in users}) == three_pages
    assert session.sign_in_count == 2
    assert (100, 401) in _offsets(portal) and (200, 200) in _offsets(portal)
    assert set(_pages_opened(portal)) == {1, 2}  # page 3 came by Next page again
    assert K.SESSION_EXPIRED in kinds(collection, fatal=False)


def test_a_next_page_click_that_does_nothing_falls_back_to_urls(
        portal: Any, make_session: MakeSession, three_pages: int) -> None:
    """A "Next page" locator whose click reloads nothing: one timeout, then URLs for the rest
    (no second wasted wait), and the read is still complete."""
    session = make_session({"user_monitoring.next_page": "role=status"})
    users, collection = read_users(session, page_size=100, page_timeout_ms=1_500)
    assert_complete(collection, three_pages)
    assert len({u.address.casefold() for u in users}) == three_pages
    assert _pages_opened(portal) == [1, 2, 3, 1, 2]  # URLs for the second look too
    assert [(e.kind, e.page) for e in collection.errors] == [(K.TIMEOUT, 2)]


def test_a_virtualised_grid_is_read_page_after_page_with_next_page(
        portal: Any, session: PortalSession, three_pages: int) -> None:
    """virtualised: each reloaded grid is scrolled from its top again; every row once."""
    portal.control.faults(virtualised=True)
    users, collection = read_users(session, page_size=100)
    assert_complete(collection, three_pages)
    assert len({u.address.casefold() for u in users}) == three_pages
    assert _pages_opened(portal) == [1, 1]


def test_a_page_other_than_the_next_is_opened_by_url(
        portal: Any, session: PortalSession, three_pages: int) -> None:
    """Only the page right after the one shown is clicked to: page 3 after page 1 is a URL."""
    page = UserMonitoringPage(session)
    assert page.load_page(1, 100).first == 1
    assert page.load_page(3, 100).first == 201
    assert page.load_page(3, 100).first == 201  # the same page again (a retry): a URL too
    assert _pages_opened(portal) == [1, 3, 3]
