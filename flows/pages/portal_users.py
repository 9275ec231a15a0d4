"""Portal Users (`/0/admin/portal-users`): the accounts that can sign in to the admin portal."""

from __future__ import annotations

from typing import ClassVar

from connector.models import PortalUser
from flows.pages.base import Spec, role
from flows.pages.paging import ReadablePage
from flows.table import parse_time


class PortalUsersPage(ReadablePage[PortalUser]):
    """Read-only view of Portal Users ("Invite user", "Edit", "Remove" are never touched)."""

    NAME = "portal_users"
    SURFACE = "portal_users"
    PATH = "/0/admin/portal-users"
    HEADING = "Portal Users"
    TABLE_NAME = "Portal users"
    COLUMNS = (
        ("name", "Name"),
        ("email", "Email address"),
        ("role", "Role"),
        ("permissions", "Permissions"),
        ("status", "Status"),
        ("last_sign_in", "Last sign-in"),
        ("sign_in_method", "Sign-in method"),
    )
    LOCATORS: ClassVar[dict[str, Spec]] = {
        "search": role("searchbox", "Search portal users"),
        "status_filter": role("combobox", "Status"),
    }
    KEY_CONTROLS = ("search", "status_filter", "status")

    def parse_row(self, cells: dict[str, str], href: str | None) -> PortalUser:
        """One row -> PortalUser; permissions are a comma-separated list (maybe empty)."""
        perms = tuple(p.strip() for p in cells["permissions"].split(",") if p.strip() not in ("", "—", "-"))
        return PortalUser(
            name=cells["name"],
            email=cells["email"],
            role=cells["role"],  # type: ignore[arg-type]  # the model validates the literal
            permissions=perms,  # type: ignore[arg-type]
            status=cells["status"],  # type: ignore[arg-type]
            last_sign_in=parse_time(cells["last_sign_in"]),
            sign_in_method=cells["sign_in_method"],  # type: ignore[arg-type]
        )

    def record_key(self, record: PortalUser) -> str:
        """One account per address."""
        return record.email.strip().casefold()
