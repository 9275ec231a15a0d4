"""The dashboard and the navigation every signed-in page shows (banner, "Main navigation")."""

from __future__ import annotations

from typing import ClassVar

from flows.pages.base import BasePage, Spec, role

NAV_LINKS = ("Dashboard", "User Monitoring", "Portal Users", "Groups", "Audit Trail",
             "Directory Sync", "API Tokens")


def _link_key(text: str) -> str:
    return "link_" + text.lower().replace(" ", "_")


class DashboardPage(BasePage):
    """`/0/dashboard`: the landing page; its fingerprint is the navigation and the banner."""

    NAME = "dashboard"
    PATH = "/0/dashboard"
    HEADING = None
    LOCATORS: ClassVar[dict[str, Spec]] = {
        "navigation": role("navigation", "Main navigation"),
        "sign_out": role("button", "Sign out"),
        **{_link_key(text): role("link", text) for text in NAV_LINKS},
    }
    KEY_CONTROLS = ("navigation", "sign_out", *(_link_key(text) for text in NAV_LINKS))

    def open(self) -> None:
        """Open the dashboard and wait for the main navigation."""
        self.goto(self.PATH)
        self.wait_visible("navigation")

    def go(self, link_text: str) -> None:
        """Follow a link of the main navigation (a GET navigation, never a form)."""
        self.locator("navigation").get_by_role("link", name=link_text, exact=True).click()
        self.page.wait_for_load_state()
