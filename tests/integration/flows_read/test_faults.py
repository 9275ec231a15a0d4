"""Every fault switch of the fixture portal ends in a complete read or an incomplete one that
says why; a short list is never marked complete."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from connector.models import CollectionErrorKind as K
from flows.collect import collect
from flows.session import PortalSession
from tests.integration.flows_read.reading import (
    FAST,
    assert_complete,
    assert_incomplete_because,
    kinds,
    read_users,
)

pytestmark = pytest.mark.integration
DATA = "/0/data/"  # the portal's internal JSON calls that fill the tables


@pytest.fixture
def two_pages(portal: Any) -> int:
    """A 251-user tenant: two pages of 250."""
    portal.control.load_tenant("one-page-plus-one")
    return 251


def test_latency_still_reads_everything(portal: Any, session: PortalSession, two_pages: int) -> None:
    """latency_ms: slow answers are waited for."""
    portal.control.faults(latency_ms=300)
    assert_complete(read_users(session)[1], two_pages)


def test_one_failed_data_call_is_retried(portal: Any, session: PortalSession, two_pages: int) -> None:
    """fail_nth + fault_path_prefix: a single 500 on a data call is retried and noted."""
    portal.control.faults(fault_path_prefix=DATA, fail_nth=2)
    users, collection = read_users(session)
    assert_complete(collection, two_pages)
    assert K.HTTP_ERROR in kinds(collection, fatal=False)
    assert len(users) == two_pages


def test_failing_data_calls_end_incomplete(portal: Any, session: PortalSession, two_pages: int) -> None:
    """fail_share=1: every data call fails; the read says http_error and holds no rows."""
    portal.control.faults(fault_path_prefix=DATA, fail_share=1.0, fail_status=502)
    users, collection = read_users(session)
    assert_incomplete_because(collection, K.HTTP_ERROR)
    assert users == [] and collection.read_count == 0


def test_a_plain_503_page_is_a_server_error_not_maintenance(portal: Any, session: PortalSession,
                                                            two_pages: int) -> None:
    """fail_status=503 on the page itself (plain text) is retried as a transient server error."""
    portal.control.faults(fault_path_prefix="/0/admin/user-monitoring", fail_nth=1, fail_status=503)
    _, collection = read_users(session)
    assert_complete(collection, two_pages)
    assert K.HTTP_ERROR in kinds(collection, fatal=False)


def test_maintenance_page_ends_incomplete(portal: Any, session: PortalSession) -> None:
    """maintenance: the 503 maintenance page is recognised, retried, then reported."""
    portal.control.faults(maintenance=True)
    users, collection = read_users(session)
    assert_incomplete_because(collection, K.MAINTENANCE)
    assert users == []


def test_rate_limited_pages_are_waited_out(portal: Any, session: PortalSession, two_pages: int) -> None:
    """rate_limit_next + retry_after: 429s are retried after Retry-After and noted."""
    portal.control.faults(rate_limit_next=2, retry_after=1)
    started = time.monotonic()
    _, collection = read_users(session)
    assert time.monotonic() - started >= 2.0  # waited as told, twice
    assert_complete(collection, two_pages)
    assert K.RATE_LIMITED in kinds(collection, fatal=False)


def test_endless_rate_limiting_ends_incomplete(portal: Any, session: PortalSession,
                                               two_pages: int) -> None:
    """rate_limit_share=1: retries are bounded; the read says rate_limited."""
    portal.control.faults(fault_path_prefix="/0/", rate_limit_share=1.0, retry_after=0)
    assert_incomplete_because(read_users(session)[1], K.RATE_LIMITED)


def test_a_spinner_that_never_clears_is_a_timeout(portal: Any, session: PortalSession,
                                                  two_pages: int) -> None:
    """slow_spinner_ms beyond the page timeout: the page never loads -> timeout, incomplete."""
    portal.control.faults(slow_spinner_ms=3_000)
    users, collection = read_users(session, page_timeout_ms=800, retry_attempts=2)
    assert_incomplete_because(collection, K.TIMEOUT)
    assert users == []


def test_a_slow_spinner_is_waited_for(portal: Any, session: PortalSession, two_pages: int) -> None:
    """slow_spinner_ms within the page timeout: the progressbar clears and the read completes."""
    portal.control.faults(slow_spinner_ms=500)
    assert_complete(read_users(session)[1], two_pages)


@pytest.mark.parametrize("switch", ["drift_add", "drift_remove"])
def test_a_total_that_moves_mid_read_is_reported(portal: Any, session: PortalSession,
                                                 two_pages: int, switch: str) -> None:
    """drift_add / drift_remove: the total changes between pages; one re-read, then reported."""
    portal.control.faults(**{switch: 1})
    _, collection = read_users(session, page_size=100)  # 3 pages, so the re-read moves too
    assert_incomplete_because(collection, K.TOTAL_CHANGED)
    assert len([e for e in collection.errors if e.kind == K.TOTAL_CHANGED]) == 2  # restart + final


def test_session_expiry_mid_read_resumes_without_loss(portal: Any, session: PortalSession,
                                                      two_pages: int) -> None:
    """Sessions end after page 1's rows arrived: signed in again, page 2 read, nothing twice."""
    expired: list[bool] = []

    def expire_once(response: Any) -> None:
        if DATA in response.url and not expired:
            expired.append(True)
            portal.control.expire_sessions()

    session.page.on("response", expire_once)
    users, collection = read_users(session)
    assert_complete(collection, two_pages)
    assert len({u.address for u in users}) == two_pages
    assert session.sign_in_count == 2
    assert K.SESSION_EXPIRED in kinds(collection, fatal=False)


def test_a_session_that_keeps_expiring_ends_incomplete(portal: Any, session: PortalSession,
                                                       two_pages: int) -> None:
    """Every data call ends the session: after the one re-sign-in the read stops, incomplete."""
    session.page.on("response", lambda r: portal.control.expire_sessions() if DATA in r.url else None)
    users, collection = read_users(session, page_size=100)
    assert_incomplete_because(collection, K.SESSION_EXPIRED)
    assert collection.read_count < two_pages and len(users) == collection.read_count


@pytest.mark.parametrize("switch", ["session_idle_seconds", "session_absolute_seconds"])
def test_a_session_timeout_is_survived(portal: Any, session: PortalSession, switch: str) -> None:
    """session_idle_seconds / session_absolute_seconds: the session has ended when the read
    starts; it is signed in again once and the (one-page) read completes."""
    portal.control.load_tenant("one-user")
    # long enough that a loaded machine's gaps between requests never reach it after re-sign-in
    portal.control.faults(**{switch: 4})
    time.sleep(4.3)
    _, collection = read_users(session)
    assert_complete(collection, 1)
    assert session.sign_in_count == 2


def test_failing_group_members_make_groups_incomplete(portal: Any, session: PortalSession) -> None:
    """The Groups list loads but every group's member table fails: groups is incomplete and each
    error names its group; the other surfaces are unaffected."""
    portal.control.load_tenant("demo")
    portal.control.faults(fault_path_prefix="/0/data/groups/", fail_share=1.0)
    read = collect(session, replace(FAST, surfaces=("groups", "api_tokens"), retry_attempts=1))
    groups, tokens = read.collection("groups"), read.collection("api_tokens")
    assert groups is not None and tokens is not None and tokens.complete
    assert_incomplete_because(groups, K.HTTP_ERROR)
    assert all(e.message.startswith("group ") for e in groups.errors)
    assert all(g.members is None for g in read.groups) and read.groups
