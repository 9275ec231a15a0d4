"""Audit Trail (`/0/admin/audit-trail`): events, optionally within a From/To window."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from connector.models import AuditEvent
from flows.pages.base import Spec, role
from flows.pages.paging import ReadablePage
from flows.table import parse_optional_text, parse_time


class AuditTrailPage(ReadablePage[AuditEvent]):
    """Audit events; the date inputs From and To narrow the window (whole days, UTC)."""

    NAME = "audit_trail"
    SURFACE = "audit_trail"
    PATH = "/0/admin/audit-trail"
    HEADING = "Audit Trail"
    TABLE_NAME = "Audit events"
    COLUMNS = (("timestamp", "Time"), ("category", "Category"), ("type", "Type"),
               ("details", "Details"), ("user", "Performed by"), ("ip", "IP address"))
    LOCATORS: ClassVar[dict[str, Spec]] = {
        "category_filter": role("combobox", "Category"),
        "from": Spec("label", "From"),
        "to": Spec("label", "To"),
    }
    KEY_CONTROLS = ("category_filter", "from", "to", "status")
    ROWS_MAY_REPEAT = True  # times show minutes: two identical events in a minute are both real

    def parse_row(self, cells: dict[str, str], href: str | None) -> AuditEvent:
        """One row -> AuditEvent."""
        when = parse_time(cells["timestamp"])
        if when is None:
            raise ValueError(f"audit event without a time: {cells!r}")
        return AuditEvent(timestamp=when, category=cells["category"], type=cells["type"],
                          details=cells["details"], user=parse_optional_text(cells["user"]),
                          ip=parse_optional_text(cells["ip"]))

    def record_key(self, record: AuditEvent) -> str:
        """Everything the row shows."""
        return "|".join(str(v) for v in record.model_dump().values())

    def window_state(self, since: datetime | None, until: datetime | None) -> dict[str, str]:
        """Fill From/To as an admin would; return the URL state they lead to (page keys dropped)."""
        self.load_page(1, 25)
        state: dict[str, str] = {}
        for local, when in (("from", since), ("to", until)):
            if when is None:
                continue
            day = when.date().isoformat()
            self.locator(local).fill(day)
            self.locator(local).press("Enter")
            # the portal keeps list state in the URL; if it did not, fall back to its key
            state = self.wait_for_state(day) or {**state, local: day}
        return state
