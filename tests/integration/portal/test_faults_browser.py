"""Fault switches as a browser sees them: virtualised rows, renamed column, missing table,
maintenance page, a failing data call, and rows changing between two page loads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.integration


def wait_loaded(page: Page) -> None:
    expect(page.get_by_role("progressbar", name="Loading")).to_be_hidden()
    expect(page.get_by_role("status")).not_to_have_text("")


def test_virtualised_grid_keeps_only_visible_rows(admin_page: Page, portal: Any) -> None:
    """250 rows on a page, but only a window of them in the DOM; scrolling brings the last one."""
    portal.control.load_tenant("one-page")
    portal.control.faults(virtualised=True)
    admin_page.goto(portal.url + "/0/admin/user-monitoring?page_size=250")
    wait_loaded(admin_page)
    grid = admin_page.get_by_role("grid", name="Monitored users")
    expect(admin_page.get_by_role("status")).to_have_text("Showing 1\u2013250 of 250")
    expect(grid).to_have_attribute("aria-rowcount", "251")
    in_dom = grid.get_by_role("row").count()
    assert 2 <= in_dom <= 30  # header + the rows in view, nowhere near 250
    expect(grid.locator('[aria-rowindex="251"]')).to_have_count(0)
    admin_page.locator("[data-viewport]").evaluate("v => v.scrollTop = v.scrollHeight")
    expect(grid.locator('[aria-rowindex="251"]')).to_have_count(1)
    expect(grid.locator('[aria-rowindex="2"]')).to_have_count(0)


def test_renamed_column(admin_page: Page, portal: Any) -> None:
    """layout=renamed_column: "Email address" becomes "User email"."""
    portal.control.faults(layout="renamed_column")
    admin_page.goto(portal.url + "/0/admin/user-monitoring")
    wait_loaded(admin_page)
    headers = admin_page.get_by_role("table", name="Monitored users").get_by_role("columnheader")
    expect(headers.first).to_have_text("User email")


def test_table_missing(admin_page: Page, portal: Any) -> None:
    """layout=table_missing: the heading is there, no table or grid is."""
    portal.control.faults(layout="table_missing")
    admin_page.goto(portal.url + "/0/admin/groups")
    expect(admin_page.get_by_role("heading", name="Groups")).to_be_visible()
    wait_loaded(admin_page)
    expect(admin_page.get_by_role("table")).to_have_count(0)
    expect(admin_page.get_by_role("grid")).to_have_count(0)


def test_maintenance_page(page: Page, portal: Any) -> None:
    """maintenance: the sign-in page itself is the 503 maintenance page."""
    portal.control.faults(maintenance=True)
    response = page.goto(portal.url + "/login")
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="Tessian is down for scheduled maintenance")).to_be_visible()


def test_failing_data_call_shows_an_alert(admin_page: Page, portal: Any) -> None:
    """A 5xx from the data call ends loading with an alert and no rows."""
    portal.control.faults(fail_nth=1, fault_path_prefix="/0/data/")
    admin_page.goto(portal.url + "/0/admin/user-monitoring")
    expect(admin_page.get_by_role("alert")).to_have_text(re.compile(r"Something went wrong .*HTTP 500"))
    expect(admin_page.get_by_role("progressbar", name="Loading")).to_be_hidden()
    expect(admin_page.get_by_role("table", name="Monitored users").get_by_role("row")).to_have_count(1)


def test_rows_added_between_page_loads(admin_page: Page, portal: Any) -> None:
    """drift_add: the total on the status line grows from one page load to the next."""
    portal.control.load_tenant("one-page")
    portal.control.faults(drift_add=5)
    admin_page.goto(portal.url + "/0/admin/user-monitoring")
    expect(admin_page.get_by_role("status")).to_have_text("Showing 1\u201325 of 250")
    admin_page.get_by_role("button", name="Next page").click()
    expect(admin_page.get_by_role("status")).to_have_text("Showing 26\u201350 of 255")
