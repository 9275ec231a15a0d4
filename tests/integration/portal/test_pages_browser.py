"""Every page and control of portal-model.md, found by accessible name in real headless Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.integration
NAV = ["Dashboard", "User Monitoring", "Portal Users", "Groups", "Audit Trail", "Directory Sync",
       "API Tokens"]
LISTS = [
    ("/0/admin/user-monitoring", "User Monitoring", "Monitored users",
     ["Email address", "Sync state", "Connection status", "Last connection", "Emails processed",
      "Add-in version", "First seen"]),
    ("/0/admin/portal-users", "Portal Users", "Portal users",
     ["Name", "Email address", "Role", "Permissions", "Status", "Last sign-in", "Sign-in method"]),
    ("/0/admin/groups", "Groups", "Groups", ["Name", "Members", "Last updated"]),
    ("/0/admin/audit-trail", "Audit Trail", "Audit events",
     ["Time", "Category", "Type", "Details", "Performed by", "IP address"]),
    ("/0/admin/integrations/api/tokens", "API Tokens", "API tokens", ["Name", "Created by", "Created", "Last used"]),
]


def open_list(page: Page, url: str) -> None:
    """Go to a list page and wait until its rows have loaded."""
    page.goto(url)
    expect(page.get_by_role("progressbar", name="Loading")).to_be_hidden()
    expect(page.get_by_role("status")).not_to_have_text("")


def test_sign_in_with_totp(page: Page, portal: Any, demo_admin: Any, totp: Any) -> None:
    """Email -> Continue -> Password -> Sign in -> Authentication code -> Verify, then the banner."""
    page.goto(portal.url + "/0/admin/groups")
    expect(page.get_by_role("heading", name="Sign in to Tessian")).to_be_visible()
    page.get_by_role("textbox", name="Email address").fill(demo_admin.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    page.get_by_label("Password").fill(demo_admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_role("textbox", name="Authentication code").fill(totp(demo_admin.seed))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    assert page.url == portal.url + "/0/admin/groups"
    expect(page.get_by_role("banner")).to_contain_text(demo_admin.email)
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link")).to_have_text(NAV)


def test_wrong_password_alert(page: Page, portal: Any, password_admin: Any) -> None:
    """A wrong password shows the alert "Incorrect email or password."."""
    page.goto(f"{portal.url}/login")
    page.get_by_label("Email address").fill(password_admin.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect email or password.")


def test_sso_sign_in_through_the_fake_okta_page(page: Page, portal: Any, sso_admin: Any) -> None:
    """"Sign in with SSO" leads through the fake Okta page back into the portal."""
    page.goto(f"{portal.url}/login?next=/0/admin/portal-users")
    page.get_by_label("Email address").fill(sso_admin.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Sign in with SSO").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Password").fill(sso_admin.sso_password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Portal Users")).to_be_visible()


@pytest.mark.parametrize(("path", "heading", "table", "columns"), LISTS)
def test_list_page_structure(admin_page: Page, portal: Any, path: str, heading: str, table: str,
                             columns: list[str]) -> None:
    """Heading, table name, columns in order, status line, Rows per page and page buttons."""
    open_list(admin_page, portal.url + path)
    expect(admin_page.get_by_role("heading", level=1)).to_have_text(heading)
    grid = admin_page.get_by_role("table", name=table)
    expect(grid.get_by_role("columnheader")).to_have_text(columns)
    expect(admin_page.get_by_role("status")).to_have_text(re.compile(r"^(Showing 1\u2013\d+ of [\d,]+|No results)$"))
    size = admin_page.get_by_role("combobox", name="Rows per page")
    expect(size.locator("option")).to_have_text(["25", "50", "100", "250"])
    expect(size).to_have_value("25")
    expect(admin_page.get_by_role("button", name="Previous page")).to_be_disabled()
    expect(admin_page.get_by_text(re.compile(r"^Page 1 of \d+$"))).to_be_visible()


def test_user_monitoring_controls_and_url_state(admin_page: Page, portal: Any) -> None:
    """Direct URL state, Next/Previous, page size, search and both comboboxes, all in the URL."""
    portal.control.load_tenant("one-page-plus-one")
    page, base = admin_page, portal.url + "/0/admin/user-monitoring"
    open_list(page, base + "?page=3&page_size=25")
    expect(page.get_by_role("status")).to_have_text("Showing 51\u201375 of 251")
    expect(page.get_by_text("Page 3 of 11")).to_be_visible()
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_role("status")).to_have_text("Showing 76\u2013100 of 251")
    assert page.url.endswith("?page=4")
    page.get_by_role("combobox", name="Rows per page").select_option("250")
    expect(page.get_by_role("status")).to_have_text("Showing 1\u2013250 of 251")
    expect(page.get_by_role("table", name="Monitored users").get_by_role("row")).to_have_count(251)
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_role("status")).to_have_text("Showing 251\u2013251 of 251")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    expect(page.get_by_role("button", name="Previous page")).to_be_enabled()
    page.get_by_role("combobox", name="Sync state").select_option("Live")
    expect(page).to_have_url(re.compile(r"page_size=250&sync_state=Live$"))
    expect(page.get_by_role("combobox", name="Connection status").locator("option")).to_have_count(5)
    page.get_by_role("searchbox", name="Search by email address").fill("alice.smith")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=alice.smith"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^(Showing 1\u2013\d+ of \d+|No results)$"))
    page.go_back()
    expect(page.get_by_role("searchbox", name="Search by email address")).to_have_value("")


def test_empty_tenant_shows_no_results(admin_page: Page, portal: Any) -> None:
    """An empty list: "No results", "Page 1 of 1", both page buttons disabled."""
    portal.control.load_tenant("empty")
    open_list(admin_page, portal.url + "/0/admin/user-monitoring")
    expect(admin_page.get_by_role("status")).to_have_text("No results")
    expect(admin_page.get_by_text("Page 1 of 1")).to_be_visible()
    expect(admin_page.get_by_role("button", name="Next page")).to_be_disabled()
    expect(admin_page.get_by_role("button", name="Previous page")).to_be_disabled()


def test_progressbar_while_loading(admin_page: Page, portal: Any) -> None:
    """With a slow data call the "Loading" progressbar shows and the table is empty, then rows come."""
    portal.control.faults(slow_spinner_ms=2000)  # long enough to look while it spins
    admin_page.goto(portal.url + "/0/admin/user-monitoring")
    expect(admin_page.get_by_role("progressbar", name="Loading")).to_be_visible()
    expect(admin_page.get_by_role("table", name="Monitored users").get_by_role("row")).to_have_count(1)
    expect(admin_page.get_by_role("progressbar", name="Loading")).to_be_hidden(timeout=10_000)
    expect(admin_page.get_by_role("table", name="Monitored users").get_by_role("row")).to_have_count(26)


def test_user_detail_from_the_list(admin_page: Page, portal: Any) -> None:
    """An email links to its detail page, whose heading is the email."""
    open_list(admin_page, portal.url + "/0/admin/user-monitoring")
    link = admin_page.get_by_role("table", name="Monitored users").get_by_role("link").first
    email = link.inner_text()
    link.click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text(email)
    expect(admin_page.get_by_text("Sync state", exact=True)).to_be_visible()


def test_portal_users_controls_and_destructive_buttons(admin_page: Page, portal: Any) -> None:
    """Search, Status, Invite user / Edit / Remove exist; a click reaches the app and is recorded."""
    portal.control.load_tenant("one-user")
    open_list(admin_page, portal.url + "/0/admin/portal-users")
    page = admin_page
    expect(page.get_by_role("searchbox", name="Search portal users")).to_be_visible()
    expect(page.get_by_role("combobox", name="Status").locator("option")).to_have_text(
        ["All", "Active", "Invited", "Deactivated"])
    expect(page.get_by_role("button", name="Edit")).to_have_count(4)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remove").first.click()
    assert portal.control.writes() == []  # the dismissed confirm sent nothing
    page.get_by_role("button", name="Invite user").click()
    expect(page.get_by_role("heading", name="Portal Users")).to_be_visible()
    assert [w["path"] for w in portal.control.writes()] == ["/0/admin/portal-users/invite"]


def test_group_detail(admin_page: Page, portal: Any) -> None:
    """A group's page: heading = name, table "Group members" (Member, Type), its buttons."""
    portal.control.load_tenant("one-user")
    open_list(admin_page, portal.url + "/0/admin/groups")
    admin_page.get_by_role("link", name="All staff").click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("All staff")
    members = admin_page.get_by_role("table", name="Group members")
    expect(members.get_by_role("columnheader")).to_have_text(["Member", "Type"])
    expect(members.get_by_role("row").nth(1)).to_have_text(re.compile(r"\*@acme\.exampleDomain"))
    expect(admin_page.get_by_role("button", name="Add members")).to_be_visible()
    expect(admin_page.get_by_role("button", name="Delete group")).to_be_visible()


def test_audit_trail_controls(admin_page: Page, portal: Any) -> None:
    """Category combobox and From/To date inputs filter the events, state kept in the URL."""
    portal.control.load_tenant("one-user")
    open_list(admin_page, portal.url + "/0/admin/audit-trail?category=Authentication")
    expect(admin_page.get_by_role("combobox", name="Category")).to_have_value("Authentication")
    expect(admin_page.get_by_role("status")).to_have_text("Showing 1\u201320 of 20")
    admin_page.get_by_label("From").fill("2000-01-01")
    expect(admin_page).to_have_url(re.compile(r"from=2000-01-01"))
    admin_page.get_by_label("To").fill("2000-01-02")
    expect(admin_page.get_by_role("status")).to_have_text("No results")


def test_directory_sync_and_api_tokens(admin_page: Page, portal: Any) -> None:
    """Directory Sync's description list; API Tokens' table and Create token button."""
    portal.control.load_tenant("one-user")
    admin_page.goto(portal.url + "/0/admin/integrations/directory-sync")
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Directory Sync")
    terms = admin_page.get_by_role("term")
    expect(terms).to_have_text(["Provider", "Status", "Last successful sync", "Last attempt",
                                "Users synced", "Last error"])
    expect(admin_page.get_by_role("definition").first).to_have_text("Okta")
    admin_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="API Tokens").click()
    expect(admin_page.get_by_role("table", name="API tokens").get_by_role("row")).to_have_count(2)
    expect(admin_page.get_by_role("button", name="Create token")).to_be_visible()


def test_session_expiry_mid_read_returns_to_sign_in(admin_page: Page, portal: Any) -> None:
    """When the session ends between two pages, the next page load lands on sign-in with `next`."""
    portal.control.load_tenant("one-page")
    open_list(admin_page, portal.url + "/0/admin/user-monitoring")
    portal.control.expire_sessions()
    admin_page.get_by_role("button", name="Next page").click()
    expect(admin_page.get_by_role("heading", name="Sign in to Tessian")).to_be_visible()
    assert admin_page.url.endswith("/login?next=%2F0%2Fadmin%2Fuser-monitoring%3Fpage%3D2")
