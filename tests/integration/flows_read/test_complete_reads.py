"""Complete, provable reads of User Monitoring and the other surfaces, in real Chromium."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.integration.flows_read.reading import FAST, addresses, assert_complete, read_users, tenant

from flows.collect import collect
from flows.pages.api_tokens import ApiTokensPage
from flows.pages.audit_trail import AuditTrailPage
from flows.pages.dashboard import DashboardPage
from flows.pages.directory_sync import DirectorySyncPage
from flows.pages.groups import GroupsPage
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.session import PortalSession

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("scenario", "total", "pages"), [
    ("empty", 0, 1), ("one-user", 1, 1), ("one-page", 250, 1), ("one-page-plus-one", 251, 2)])
def test_reads_every_user_of_small_tenants(portal: Any, session: PortalSession, scenario: str,
                                           total: int, pages: int) -> None:
    """0, 1, exactly 250 and 251 users: every address read once, complete, pages as expected."""
    portal.control.load_tenant(scenario)
    users, collection = read_users(session)
    assert_complete(collection, total)
    assert collection.pages_read == pages
    assert {u.address.casefold() for u in users} == addresses(tenant(scenario))


@pytest.mark.slow
def test_reads_ten_thousand_users(portal: Any, session: PortalSession,
                                  large_tenant_path: Path) -> None:
    """10k users: 40 pages of 250, every address read exactly once."""
    portal.control.load_tenant(large_tenant_path)
    users, collection = read_users(session)
    assert_complete(collection, 10_000)
    assert collection.pages_read == 40
    assert {u.address.casefold() for u in users} == addresses(tenant(large_tenant_path))
    sizes = [r["query"] for r in portal.control.requests() if r["path"] == "/0/admin/user-monitoring"]
    assert all("page_size=250" in q for q in sizes)  # the largest page size, via URL state


def test_parses_displayed_values_back_to_typed_values(portal: Any, session: PortalSession) -> None:
    """Thousands separators, `Never` and UTC times come back as the tenant's ints and datetimes."""
    portal.control.load_tenant("one-page")
    users, _ = read_users(session)
    by_id = {u["id"]: u for u in tenant("one-page")["monitored_users"]}
    for user in users:
        source = by_id[user.id]  # the id comes from the row's link
        assert user.emails_processed == source["emails_processed"]
        assert user.sync_state == source["sync_state"] and user.status == source["status"]
        assert (user.last_connection is None) == (source["last_connection"] is None)
    assert any(u.emails_processed and u.emails_processed >= 1000 for u in users)


def test_search_reads_only_matching_users(portal: Any, session: PortalSession) -> None:
    """Search through the search box returns exactly the matching addresses."""
    portal.control.load_tenant("one-page")
    wanted = sorted(addresses(tenant("one-page")))[7]
    found = UserMonitoringPage(session).search(wanted)
    assert [u.address.casefold() for u in found] == [wanted]


def test_open_user_reads_the_detail_page(portal: Any, session: PortalSession) -> None:
    """open_user by address returns every field of the user's detail page."""
    portal.control.load_tenant("one-user")
    source = tenant("one-user")["monitored_users"][0]
    user = UserMonitoringPage(session).open_user(source["address"])
    assert user.id == source["id"] and user.address == source["address"]
    assert user.addin_hardware == source["addin_hardware"]


def test_collects_every_surface_of_the_demo_tenant(portal: Any, session: PortalSession) -> None:
    """All six surfaces complete, groups with members, nothing written to the tenant."""
    portal.control.load_tenant("demo")
    data = tenant("demo")
    read = collect(session, FAST)
    for collection in read.collections:
        assert collection.complete, (collection.surface, collection.errors)
    assert len(read.monitored_users) == len(data["monitored_users"])
    assert {u.email for u in read.portal_users} == {u["email"] for u in data["portal_users"]}
    members = {g.name: len(g.members or ()) for g in read.groups}
    assert members == {g["name"]: len(g["members"]) for g in data["groups"]}
    assert len(read.audit_events) == len(data["audit_events"])
    assert read.directory_sync is not None
    assert read.directory_sync.provider == data["directory_sync"]["provider"]
    assert {t.name for t in read.api_tokens} == {t["name"] for t in data["api_tokens"]}
    assert portal.control.writes() == [] and session.violations == []


def test_directory_sync_not_configured_is_read(portal: Any, session: PortalSession,
                                              tmp_path: Path) -> None:
    """A tenant with no directory connected ("Not configured") reads as provider None, not a
    parse failure that would leave every run of that tenant inconclusive."""
    data = {**tenant("one-user"), "directory_sync": None}
    path = tmp_path / "no-sync.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    portal.control.load_tenant(path)
    sync = DirectorySyncPage(session).read()
    assert sync.provider is None and sync.status == "Paused"


def test_audit_trail_reads_a_time_window(portal: Any, session: PortalSession) -> None:
    """From/To narrow the list; only events inside the window come back, all of them, and the
    read records the window it covered."""
    portal.control.load_tenant("demo")
    everything = collect(session, replace(FAST, surfaces=("audit_trail",))).audit_events
    times = sorted(e.timestamp for e in everything)
    since = datetime.combine(times[len(times) // 2].date(), datetime.min.time(), tzinfo=UTC)
    read = collect(session, replace(FAST, surfaces=("audit_trail",), audit_since=since))
    collection = read.collection("audit_trail")
    assert collection is not None and collection.complete
    assert (collection.window_since, collection.window_until) == (since, None)  # what was covered
    assert sorted(read.audit_events, key=lambda e: e.timestamp) == sorted(
        (e for e in everything if e.timestamp >= since), key=lambda e: e.timestamp)
    assert 0 < len(read.audit_events) < len(everything)
    assert any("from=" in r["query"] for r in portal.control.requests())


PAGE_CLASSES = (UserMonitoringPage, PortalUsersPage, GroupsPage, AuditTrailPage, ApiTokensPage,
                DirectorySyncPage, DashboardPage)


def test_every_page_matches_its_fingerprint(portal: Any, session: PortalSession) -> None:
    """Each page object's fingerprint holds on the default layout (doctor relies on it)."""
    for page_class in PAGE_CLASSES:
        page = page_class(session)
        page.open()
        page.check_fingerprint()
        fingerprint = page.fingerprint()
        assert fingerprint.path == page_class.PATH and fingerprint.locators


def test_a_page_size_the_portal_does_not_offer_is_followed(portal: Any,
                                                           session: PortalSession) -> None:
    """page_size=500 is not offered (the portal shows 25): the reader follows what it shows."""
    portal.control.load_tenant("one-page-plus-one")
    users, collection = read_users(session, page_size=500)
    assert_complete(collection, 251)
    assert collection.pages_read == 11 and len(users) == 251
