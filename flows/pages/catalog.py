"""Every page object, and every locator override key with the default it replaces.

`override_keys()` is the reference for operators re-pointing a locator at a real tenant: the
value of an override is any Playwright selector (`role=grid[name="Users"]`, CSS, `text=…`),
and for `<page>.column.<field>` keys the header text to look for.
"""

from __future__ import annotations

from flows.pages.api_tokens import ApiTokensPage
from flows.pages.audit_trail import AuditTrailPage
from flows.pages.base import BasePage
from flows.pages.dashboard import DashboardPage
from flows.pages.directory_sync import DirectorySyncPage
from flows.pages.groups import GroupDetailPage, GroupsPage
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserDetailPage, UserMonitoringPage

PAGES: tuple[type[BasePage], ...] = (
    DashboardPage,
    UserMonitoringPage,
    UserDetailPage,
    PortalUsersPage,
    GroupsPage,
    GroupDetailPage,
    AuditTrailPage,
    DirectorySyncPage,
    ApiTokensPage,
)


def override_keys() -> dict[str, str]:
    """Every override key of every page, with its default selector (or header text)."""
    keys: dict[str, str] = {}
    for page in PAGES:
        keys.update(page.override_keys())
    return keys


if __name__ == "__main__":  # `python -m flows.pages.catalog`: print the keys for the docs
    for key, default in override_keys().items():
        print(f"{key:45} {default}")
