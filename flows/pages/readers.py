"""DOM readers per surface: page objects composed into (records, Collection) pairs.

A failure outside the list paging (a page that never opens, a parse error on a detail page) still
ends in a Collection that says incomplete and why; a layout mismatch (`ui_changed`) also leaves a
screenshot and the ARIA snapshot in the session's evidence folder when the session has one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from connector.errors import PortalError
from connector.models import (
    Collection,
    CollectionError,
    CollectionErrorKind,
    DirectorySync,
    Group,
    Surface,
    utc_now,
)
from flows.pages.api_tokens import ApiTokensPage
from flows.pages.audit_trail import AuditTrailPage
from flows.pages.base import SessionLike
from flows.pages.directory_sync import DirectorySyncPage
from flows.pages.evidence import save_evidence
from flows.pages.groups import GroupsPage
from flows.pages.paging import Retry, kind_of
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage

K = CollectionErrorKind
SurfaceRead = tuple[Any, Collection]


@dataclass(frozen=True)
class DomOptions:
    """How the DOM readers read: page size, patience, retries, audit window, group members."""

    page_size: int = 250
    timeout_ms: int = 15_000
    retry: Retry = Retry()
    audit_since: datetime | None = None
    audit_until: datetime | None = None
    read_group_members: bool = True


class DomReader:
    """Reads each surface through its page object; never raises for portal problems."""

    def __init__(self, session: SessionLike, options: DomOptions) -> None:
        self.session, self.options = session, options

    def surface(self, surface: Surface) -> Callable[[], SurfaceRead]:
        """The reader of one surface, guarded so that portal errors become Collection records."""
        body: Callable[[], SurfaceRead] = getattr(self, surface)
        return lambda: self._guarded(surface, body)

    def _page(self, cls: type) -> Any:
        return cls(self.session, timeout_ms=self.options.timeout_ms)

    def _list(self, cls: type, query: dict[str, str] | None = None) -> SurfaceRead:
        read = self._page(cls).read(query, page_size=self.options.page_size, retry=self.options.retry)
        return read.records, read.collection

    def user_monitoring(self) -> SurfaceRead:
        """Every monitored user."""
        return self._list(UserMonitoringPage)

    def portal_users(self) -> SurfaceRead:
        """Every portal user."""
        return self._list(PortalUsersPage)

    def api_tokens(self) -> SurfaceRead:
        """Every API token row."""
        return self._list(ApiTokensPage)

    def audit_trail(self) -> SurfaceRead:
        """Audit events; with a window, From/To narrow the portal's list (whole days) and the
        exact window is applied to the rows read (the Collection counts the rows read)."""
        since, until = self.options.audit_since, self.options.audit_until
        page: AuditTrailPage = self._page(AuditTrailPage)
        query = page.window_state(since, until) if since or until else None
        read = page.read(query, page_size=self.options.page_size, retry=self.options.retry)
        kept = [e for e in read.records if (since is None or e.timestamp >= since)
                and (until is None or e.timestamp < until)]
        return kept, read.collection

    def directory_sync(self) -> SurfaceRead:
        """The Directory Sync description list (one record)."""
        started = utc_now()
        record: DirectorySync = self._page(DirectorySyncPage).read()
        return record, Collection(surface="directory_sync", source="dom", complete=True,
                                  expected_count=1, read_count=1, pages_read=1,
                                  started_at=started, finished_at=utc_now())

    def groups(self) -> SurfaceRead:
        """Every group, and each group's members from its detail page when asked."""
        page: GroupsPage = self._page(GroupsPage)
        read = page.read(page_size=self.options.page_size, retry=self.options.retry)
        if not self.options.read_group_members:
            return read.records, read.collection
        groups, errors = [], list(read.collection.errors)
        for group in read.records:
            with_members, problems = self._members(page, group)
            groups.append(with_members)
            errors.extend(problems)
        complete = read.collection.complete and not any(e.fatal for e in errors)
        return groups, read.collection.model_copy(
            update={"errors": tuple(errors), "complete": complete, "finished_at": utc_now()})

    def _members(self, page: GroupsPage, group: Group) -> tuple[Group, list[CollectionError]]:
        """One group's members, with problems recorded against the groups surface."""
        if group.id is None:
            return group, [_error(K.UI_CHANGED, f"group {group.name!r}: no link to its detail page")]
        detail = page.open_group(group.id)
        detail.timeout_ms = self.options.timeout_ms
        read = detail.read(page_size=self.options.page_size, retry=self.options.retry)
        label = f"group {group.name!r} (id {group.id})"
        problems = [e.model_copy(update={"message": f"{label}: {e.message}"})
                    for e in read.collection.errors]
        if read.collection.complete and len(read.records) != group.member_count:
            problems.append(_error(K.COUNT_MISMATCH, f"{label}: the list says {group.member_count} "
                                   f"members, its detail page shows {len(read.records)}"))
        members = tuple(read.records) if read.collection.complete else None
        return group.model_copy(update={"members": members}), problems

    def _guarded(self, surface: Surface, body: Callable[[], SurfaceRead]) -> SurfaceRead:
        started = utc_now()
        try:
            value, collection = body()
        except PortalError as exc:
            value = None if surface == "directory_sync" else []
            collection = failed(surface, kind_of(exc), str(exc), started)
        except ValueError as exc:  # a detail page's value did not parse into its record
            value = None if surface == "directory_sync" else []
            collection = failed(surface, K.PARSE_ERROR, str(exc).splitlines()[0], started)
        return value, self._evidence(surface, collection)

    def _evidence(self, surface: Surface, collection: Collection) -> Collection:
        """On ui_changed, save a screenshot and the ARIA snapshot and cite them in the error."""
        folder: Path | None = getattr(self.session, "evidence_dir", None)
        if folder is None or not any(e.kind == K.UI_CHANGED for e in collection.errors):
            return collection
        paths = capture(self.session, folder, f"ui-changed-{surface}")
        errors = tuple(e.model_copy(update={"evidence": paths}) if e.kind == K.UI_CHANGED else e
                       for e in collection.errors)
        return collection.model_copy(update={"errors": errors})


def capture(session: SessionLike, folder: Path, stem: str) -> tuple[str, ...]:
    """Masked screenshot + structure-only ARIA snapshot of the current page (0600, see
    flows.pages.evidence); paths relative to the folder's parent."""
    stem = re.sub(r"[^a-z0-9-]+", "-", stem.lower())
    try:
        shot, aria = save_evidence(session.page, folder, stem)
    except PlaywrightError:
        return ()
    return tuple(str(p.relative_to(folder.parent)) for p in (shot, aria))


def failed(surface: Surface, kind: CollectionErrorKind, message: str, started: Any) -> Collection:
    """A read that ended before it could count anything."""
    return Collection(surface=surface, source="dom", complete=False, errors=(_error(kind, message),),
                      started_at=started, finished_at=utc_now())


def _error(kind: CollectionErrorKind, message: str) -> CollectionError:
    return CollectionError(kind=kind, message=message, fatal=True)
