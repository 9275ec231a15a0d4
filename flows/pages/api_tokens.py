"""API Tokens (`/0/admin/integrations/api/tokens`): names and use of tokens, never their values."""

from __future__ import annotations

from typing import ClassVar

from connector.models import ApiToken
from flows.pages.base import Spec
from flows.pages.paging import ReadablePage
from flows.table import parse_time


class ApiTokensPage(ReadablePage[ApiToken]):
    """The list of API tokens ("Create token" and "Delete" are never touched)."""

    NAME = "api_tokens"
    SURFACE = "api_tokens"
    PATH = "/0/admin/integrations/api/tokens"
    HEADING = "API Tokens"
    TABLE_NAME = "API tokens"
    COLUMNS = (("name", "Name"), ("created_by", "Created by"), ("created", "Created"),
               ("last_used", "Last used"))
    LOCATORS: ClassVar[dict[str, Spec]] = {}
    KEY_CONTROLS = ("status",)

    def parse_row(self, cells: dict[str, str], href: str | None) -> ApiToken:
        """One row -> ApiToken."""
        return ApiToken(name=cells["name"], created_by=cells["created_by"],
                        created=parse_time(cells["created"]), last_used=parse_time(cells["last_used"]))

    def record_key(self, record: ApiToken) -> str:
        """Token names may repeat; name, author and creation time together do not."""
        return f"{record.name}|{record.created_by}|{record.created}"
