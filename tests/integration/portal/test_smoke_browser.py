"""A first end-to-end look at the portal in real Chromium: sign in and read User Monitoring."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.integration


def test_sign_in_and_user_monitoring_page(page: Page, portal, password_admin) -> None:
    """An admin signs in through the three steps and sees the first page of monitored users."""
    portal.control.load_tenant("one-page-plus-one")
    page.goto(portal.url + "/0/admin/user-monitoring")
    expect(page.get_by_role("heading", name="Sign in to Tessian")).to_be_visible()
    page.get_by_label("Email address").fill(password_admin.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(password_admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="User Monitoring")).to_be_visible()
    table = page.get_by_role("table", name="Monitored users")
    expect(page.get_by_role("status")).to_have_text("Showing 1\u201325 of 251")
    expect(table.get_by_role("row")).to_have_count(26)
    expect(page.get_by_text(re.compile(r"^Page 1 of 11$"))).to_be_visible()
