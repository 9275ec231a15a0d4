"""Read the portal: every surface, completely and provably so, into one `PortalRead`.

`collect` drives the signed-in browser session (DOM mode), the public API for the surfaces it
serves (API mode), or both for User Monitoring (cross-check mode, any disagreement recorded as
`sources_disagree`). Problems never raise (except sign-in failures): each surface's `Collection`
record says whether it is complete, and why not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from connector.errors import ConfigError
from connector.models import (
    ApiToken,
    AuditEvent,
    Collection,
    CollectionError,
    CollectionErrorKind,
    DirectorySync,
    Group,
    MonitoredUser,
    PortalUser,
    Surface,
)
from flows import api_reader
from flows.pages.paging import Retry
from flows.pages.readers import DomOptions, DomReader
from flows.pages.base import SessionLike

K = CollectionErrorKind
ALL_SURFACES: tuple[Surface, ...] = (
    "user_monitoring", "portal_users", "groups", "audit_trail", "directory_sync", "api_tokens")
API_SURFACES: tuple[Surface, ...] = ("user_monitoring", "groups", "audit_trail")
_FIELDS: dict[Surface, str] = {
    "user_monitoring": "monitored_users", "portal_users": "portal_users", "groups": "groups",
    "audit_trail": "audit_events", "directory_sync": "directory_sync", "api_tokens": "api_tokens"}


@dataclass(frozen=True)
class ReadOptions:
    """What to read and how. The last four fields are tuning knobs with safe defaults."""

    surfaces: tuple[Surface, ...] = ALL_SURFACES
    mode: Literal["dom", "api", "cross-check"] = "dom"
    api_token: str | None = None
    audit_since: datetime | None = None
    audit_until: datetime | None = None
    page_size: int = 250
    read_group_members: bool = True
    page_timeout_ms: int = 15_000  # a page whose progressbar outlives this did not load
    retry_attempts: int = 3  # tries per page or API call on transient failures
    retry_backoff_s: float = 0.5
    api_base_url: str | None = None  # defaults to the portal's base URL (same host)


@dataclass(frozen=True)
class PortalRead:
    """What one collection read; field names match `connector.models.Snapshot`."""

    monitored_users: tuple[MonitoredUser, ...] = ()
    portal_users: tuple[PortalUser, ...] = ()
    groups: tuple[Group, ...] = ()
    audit_events: tuple[AuditEvent, ...] = ()
    directory_sync: DirectorySync | None = None
    api_tokens: tuple[ApiToken, ...] = ()
    collections: tuple[Collection, ...] = ()

    def collection(self, surface: Surface, source: str = "dom") -> Collection | None:
        """The record of one surface's read from one source."""
        return next((c for c in self.collections
                     if c.surface == surface and c.source == source), None)


def collect(session: SessionLike, options: ReadOptions) -> PortalRead:
    """Read the chosen surfaces through the browser (and the API, per `options.mode`)."""
    if options.mode != "dom" and not options.api_token:
        raise ConfigError(f"read mode {options.mode!r} needs an API token")
    dom = DomReader(session, _dom_options(options))
    values: dict[str, Any] = {}
    collections: list[Collection] = []
    api = _api_reader(session.base_url, options) if options.mode != "dom" else None
    seen = 0  # guard records already attributed; those before the first read go to the first
    try:
        for surface in options.surfaces:
            use_api = options.mode == "api" and surface in API_SURFACES
            reader = _api_surface(api, surface, options) if use_api and api else dom.surface(surface)
            value, collection = reader()
            collection = _windowed(collection, options)
            blocked = _guard_errors(session)
            values[_FIELDS[surface]] = value
            collections.append(_with_violations(collection, blocked[seen:]))
            seen = len(blocked)
            if not collections[-1].complete:
                _pause_for_inspection(session)
        if options.mode == "cross-check" and api and "user_monitoring" in options.surfaces:
            collections = _cross_check(api, values, collections, options)
    finally:
        if api:
            api.close()
    return PortalRead(collections=tuple(collections), **_tuples(values))


def _pause_for_inspection(session: SessionLike) -> None:
    """Headed debugging: stop at the page whose read failed (readers record, they do not raise)."""
    pause = getattr(session, "pause_on_failure", None)  # test doubles need not have it
    if callable(pause):
        pause()


def collect_api(base_url: str, api_token: str, options: ReadOptions) -> PortalRead:
    """Read what the public API serves (User Monitoring, Groups, Audit Trail); no browser."""
    api = _api_reader(options.api_base_url or base_url, replace(options, api_token=api_token))
    values: dict[str, Any] = {}
    collections: list[Collection] = []
    try:
        for surface in (s for s in options.surfaces if s in API_SURFACES):
            value, collection = _api_surface(api, surface, options)()
            values[_FIELDS[surface]] = value
            collections.append(_windowed(collection, options))
    finally:
        api.close()
    return PortalRead(collections=tuple(collections), **_tuples(values))


def _windowed(collection: Collection, options: ReadOptions) -> Collection:
    """The Audit Trail read records the window it covered, so evaluation knows what it saw."""
    if collection.surface != "audit_trail":
        return collection
    return collection.model_copy(update={"window_since": options.audit_since,
                                         "window_until": options.audit_until})


def _dom_options(options: ReadOptions) -> DomOptions:
    retry = Retry(attempts=options.retry_attempts, backoff_s=options.retry_backoff_s)
    return DomOptions(page_size=options.page_size, timeout_ms=options.page_timeout_ms, retry=retry,
                      audit_since=options.audit_since, audit_until=options.audit_until,
                      read_group_members=options.read_group_members)


def _api_reader(base_url: str, options: ReadOptions) -> api_reader.ApiReader:
    settings = api_reader.ApiOptions(attempts=options.retry_attempts + 2,
                                      backoff_s=options.retry_backoff_s)
    return api_reader.ApiReader(options.api_base_url or base_url, options.api_token or "",
                                options=settings)


def _api_surface(api: api_reader.ApiReader, surface: Surface, options: ReadOptions
                 ) -> Callable[[], tuple[Any, Collection]]:
    if surface == "user_monitoring":
        return lambda: api_reader.read_monitored_users(api)
    if surface == "groups":
        return lambda: api_reader.read_groups(api, members=options.read_group_members)
    return lambda: api_reader.read_audit_events(api, options.audit_since, options.audit_until)


def _cross_check(api: api_reader.ApiReader, values: dict[str, Any], collections: list[Collection],
                 options: ReadOptions) -> list[Collection]:
    """Read User Monitoring through the API too; record any disagreement on both records."""
    api_users, api_coll = api_reader.read_monitored_users(api)
    dom_coll = next(c for c in collections if c.surface == "user_monitoring")
    problem = disagreement(values.get("monitored_users", []), api_users)
    if problem and dom_coll.complete and api_coll.complete:
        dom_coll, api_coll = (_with_error(c, K.SOURCES_DISAGREE, problem) for c in (dom_coll, api_coll))
    others = [c for c in collections if c.surface != "user_monitoring"]
    return [dom_coll, api_coll, *others]


def disagreement(dom: list[MonitoredUser], api: list[MonitoredUser]) -> str | None:
    """A one-line account of how two reads of User Monitoring differ, or None if they agree."""
    by_dom = {u.address.casefold(): u for u in dom}
    by_api = {u.address.casefold(): u for u in api}
    only_dom, only_api = sorted(by_dom.keys() - by_api), sorted(by_api.keys() - by_dom)
    changed = sorted(a for a in by_dom.keys() & by_api
                     if (by_dom[a].sync_state, by_dom[a].status) != (by_api[a].sync_state, by_api[a].status))
    parts = [f"{label}: {len(items)} ({', '.join(items[:3])}{', …' if len(items) > 3 else ''})"
             for label, items in (("only in the portal", only_dom), ("only in the API", only_api),
                                  ("state differs", changed)) if items]
    return "; ".join(parts) if parts else None


def _with_error(collection: Collection, kind: CollectionErrorKind, message: str) -> Collection:
    error = CollectionError(kind=kind, message=message, fatal=True)
    return collection.model_copy(update={"complete": False, "errors": (*collection.errors, error)})


def _guard_errors(session: SessionLike) -> tuple[CollectionError, ...]:
    """The read-only guard's blocked writes so far (test doubles without a guard have none)."""
    errors = getattr(session, "violation_errors", None)
    return tuple(errors()) if callable(errors) else ()


def _with_violations(collection: Collection, errors: tuple[CollectionError, ...]) -> Collection:
    """A read during which a write was blocked cannot be trusted: fatal errors, incomplete."""
    if not errors:
        return collection
    fatal = tuple(e.model_copy(update={"fatal": True}) for e in errors)
    return collection.model_copy(update={"complete": False,
                                         "errors": (*collection.errors, *fatal)})


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if k == "directory_sync" else tuple(v)) for k, v in values.items()}
