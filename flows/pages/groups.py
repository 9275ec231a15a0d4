"""Groups (`/0/admin/groups`) and the group detail page with its members."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from connector.models import Group, GroupMember
from flows.pages.base import SessionLike, Spec, role
from flows.pages.paging import ReadablePage
from flows.table import parse_count, parse_time

_GROUP_HREF = re.compile(r"/groups/(\d+)")


class GroupsPage(ReadablePage[Group]):
    """The list of groups (members are read from each group's detail page)."""

    NAME = "groups"
    SURFACE = "groups"
    PATH = "/0/admin/groups"
    HEADING = "Groups"
    TABLE_NAME = "Groups"
    COLUMNS = (("name", "Name"), ("member_count", "Members"), ("updated_at", "Last updated"))
    LOCATORS: ClassVar[dict[str, Spec]] = {}
    KEY_CONTROLS = ("status",)

    def parse_row(self, cells: dict[str, str], href: str | None) -> Group:
        """One row -> Group; the id comes from the link to the group's detail page."""
        match = _GROUP_HREF.search(href or "")
        return Group(
            id=int(match.group(1)) if match else None,
            name=cells["name"],
            member_count=parse_count(cells["member_count"]),
            updated_at=parse_time(cells["updated_at"]),
        )

    def record_key(self, record: Group) -> str:
        """Groups are told apart by id (names need not be unique), else by name."""
        return f"id:{record.id}" if record.id is not None else f"name:{record.name}"

    def open_group(self, group_id: int) -> GroupDetailPage:
        """The detail page object of one group."""
        return GroupDetailPage(self.session, group_id, self.overrides, timeout_ms=self.timeout_ms)


class GroupDetailPage(ReadablePage[GroupMember]):
    """`/0/admin/groups/{id}`: the group's members, a paginated table "Group members"."""

    NAME = "group_detail"
    SURFACE = "groups"
    PATH = "/0/admin/groups/{id}"
    HEADING = None  # the heading is the group's name
    TABLE_NAME = "Group members"
    COLUMNS = (("value", "Member"), ("type", "Type"))
    LOCATORS: ClassVar[dict[str, Spec]] = {"heading": role("heading")}
    KEY_CONTROLS = ("status",)

    def __init__(self, session: SessionLike, group_id: int,
                 overrides: Mapping[str, str] | None = None, *, timeout_ms: int = 15_000) -> None:
        super().__init__(session, overrides, timeout_ms=timeout_ms)
        self.group_id = group_id

    @property
    def path(self) -> str:
        """This group's detail path."""
        return self.PATH.format(id=self.group_id)

    def parse_row(self, cells: dict[str, str], href: str | None) -> GroupMember:
        """One row -> GroupMember (Address, or Domain shown as `*@example.com`)."""
        return GroupMember(value=cells["value"], type=cells["type"])  # type: ignore[arg-type]

    def record_key(self, record: GroupMember) -> str:
        """A member is its type and value."""
        return f"{record.type}:{record.value.casefold()}"
