"""User Monitoring (`/0/admin/user-monitoring`) and the user detail page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from connector.errors import PortalError
from connector.models import MonitoredUser
from flows.pages.base import BasePage, SessionLike, Spec, role, wait_terms
from flows.pages.paging import ReadablePage
from flows.table import norm_label, parse_optional_int, parse_optional_text, parse_time

_USER_HREF = re.compile(r"/user-monitoring/(\d+)")


class UserMonitoringPage(ReadablePage[MonitoredUser]):
    """The list of monitored users: search, filters, read every row."""

    NAME = "user_monitoring"
    SURFACE = "user_monitoring"
    PATH = "/0/admin/user-monitoring"
    HEADING = "User Monitoring"
    TABLE_NAME = "Monitored users"
    COLUMNS = (
        ("address", "Email address"),
        ("sync_state", "Sync state"),
        ("status", "Connection status"),
        ("last_connection", "Last connection"),
        ("emails_processed", "Emails processed"),
        ("addin_version", "Add-in version"),
        ("user_created", "First seen"),
    )
    LOCATORS: ClassVar[dict[str, Spec]] = {
        "search": role("searchbox", "Search by email address"),
        "sync_state_filter": role("combobox", "Sync state"),
        "connection_status_filter": role("combobox", "Connection status"),
    }
    KEY_CONTROLS = ("search", "sync_state_filter", "connection_status_filter", "status")

    def parse_row(self, cells: dict[str, str], href: str | None) -> MonitoredUser:
        """One row -> MonitoredUser (the id comes from the row's link to the detail page)."""
        match = _USER_HREF.search(href or "")
        return MonitoredUser(
            id=int(match.group(1)) if match else None,
            address=cells["address"],
            sync_state=cells["sync_state"],  # type: ignore[arg-type]  # validated by the model
            status=cells["status"],  # type: ignore[arg-type]
            last_connection=parse_time(cells["last_connection"]),
            emails_processed=parse_optional_int(cells["emails_processed"]),
            addin_version=parse_optional_text(cells["addin_version"]),
            user_created=parse_time(cells["user_created"]),
        )

    def record_key(self, record: MonitoredUser) -> str:
        """Addresses are unique in User Monitoring (case-insensitively)."""
        return record.address.strip().casefold()

    def open_user(self, user: int | str) -> MonitoredUser:
        """The detail page of a user, by id or by address (found through search)."""
        if isinstance(user, str):
            found = [u for u in self.search(user) if u.address.casefold() == user.casefold()]
            if not found or found[0].id is None:
                raise PortalError(f"user_monitoring: no row for {user!r} to open")
            user = found[0].id
        return UserDetailPage(self.session, user, self.overrides, timeout_ms=self.timeout_ms).read()


class UserDetailPage(BasePage):
    """`/0/admin/user-monitoring/{id}`: every field of one monitored user, as a description list."""

    NAME = "user_detail"
    PATH = "/0/admin/user-monitoring/{id}"
    LOCATORS: ClassVar[dict[str, Spec]] = {
        "heading": role("heading"),
        "details": role("main"),
    }
    KEY_CONTROLS = ("details",)

    def __init__(self, session: SessionLike, user_id: int, overrides: Mapping[str, str] | None = None,
                 *, timeout_ms: int = 15_000) -> None:
        super().__init__(session, overrides, timeout_ms=timeout_ms)
        self.user_id = user_id

    @property
    def path(self) -> str:
        """This user's detail path."""
        return self.PATH.format(id=self.user_id)

    def open(self) -> None:
        """Open the page and wait for its description list."""
        self.goto(self.path)
        wait_terms(self, "address")

    def read(self) -> MonitoredUser:
        """Open the page and parse its description list into a MonitoredUser."""
        self.goto(self.path)
        terms = wait_terms(self, "address")
        values = {name: terms.get(norm_label(name), "") for name in MonitoredUser.model_fields}
        times = {k: parse_time(v) for k, v in values.items() if k in _TIME_FIELDS}
        return MonitoredUser(
            id=int(values["id"]) if values["id"].strip().isdigit() else self.user_id,
            address=values["address"], sync_state=values["sync_state"],  # type: ignore[arg-type]
            status=values["status"],  # type: ignore[arg-type]
            emails_processed=parse_optional_int(values["emails_processed"]),
            addin_version=parse_optional_text(values["addin_version"]),
            addin_hardware=parse_optional_text(values["addin_hardware"]),
            **times,  # type: ignore[arg-type]
        )


_TIME_FIELDS = {
    "last_connection", "user_created", "last_upload_stored", "addin_ping", "addin_check",
    "gateway_ping", "gateway_check", "api_ping",
}
