"""Tessian's public read API: `/api/v1/monitoring/users`, `/api/v1/audits`, `/api/v1/groups`.

Auth is `Authorization: API-Token <token>`. Pagination follows `checkpoint` while
`additional_results` is true, and only that: pages may be short or empty while more remain.
429 waits as `Retry-After` says (bounded); 5xx and network errors are retried a bounded number of
times. Every read returns its records with a `Collection` record (source "api"); the API states no
total, so `expected_count` stays None and completeness means "reached additional_results=false
with no fatal error".

What "complete" promises while users are synced in and out mid-read: every user present from the
first call to the last was returned. That rests on the checkpoint being a cursor, as the spec
says ("events from the previous request will not be included": it marks what was returned, not a
row offset), so a removal before it cannot move a later user past it; the fixture pages users by
id, and tests/integration/flows_read/test_churn_api.py pins that under the `churn` fault. It is
not a snapshot: a user removed mid-read may still be listed (a false `not_removed`, never a false
"gone"), and one synced in mid-read may or may not be. With no total to count against, an
offset-like checkpoint could not be detected here; the DOM read (whose rows are proven against
the status line, flows.pages.paging) and cross-check mode are the guard against that.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from connector.errors import ApiError
from connector.models import (
    AuditEvent,
    Collection,
    CollectionError,
    CollectionErrorKind,
    Group,
    GroupMember,
    MonitoredUser,
    Surface,
    utc_now,
)

K = CollectionErrorKind


@dataclass(frozen=True)
class ApiOptions:
    """Limits of the API reader: page size, retries and how long a Retry-After may ask for."""

    limit: int = 1000
    attempts: int = 5  # tries per request, the first included
    backoff_s: float = 0.5  # 5xx / network: wait backoff_s * attempt
    max_retry_after_s: float = 30.0  # 429: never wait longer than this per try
    timeout_s: float = 30.0
    max_empty_pages: int = 50  # consecutive empty pages that still claim more: a stuck cursor


class RateLimited(ApiError):
    """Still 429 after waiting as told for every allowed try."""


@dataclass
class _Health:
    errors: list[CollectionError] = field(default_factory=list)
    pages: int = 0

    def note(self, kind: CollectionErrorKind, message: str, *, fatal: bool) -> None:
        self.errors.append(CollectionError(kind=kind, message=message, fatal=fatal,
                                           page=self.pages + 1))


class ApiReader:
    """A small client of the public API; one per run (it keeps one HTTP connection pool)."""

    def __init__(self, base_url: str, token: str, *, options: ApiOptions | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options, self.sleep = options or ApiOptions(), sleep
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), transport=transport, timeout=self.options.timeout_s,
            headers={"Authorization": f"API-Token {token}", "Accept": "application/json"})

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def get(self, path: str, params: dict[str, Any], health: _Health) -> dict[str, Any]:
        """One GET with bounded retries; raises ApiError (RateLimited for 429) when they run out."""
        for attempt in range(1, self.options.attempts + 1):
            last = attempt == self.options.attempts
            try:
                response = self.client.get(path, params=params)
            except httpx.TransportError as exc:
                if last:
                    raise ApiError(f"{path}: {type(exc).__name__}") from exc
                health.note(K.HTTP_ERROR, f"{path}: {type(exc).__name__}; retried", fatal=False)
                self.sleep(self.options.backoff_s * attempt)
                continue
            if response.status_code == 429:
                if last:
                    raise RateLimited(f"{path}: still rate limited after {attempt} tries", status=429)
                wait = self.retry_after(response, attempt)
                health.note(K.RATE_LIMITED, f"{path}: 429, waited {wait:.1f}s", fatal=False)
                self.sleep(wait)
                continue
            if response.status_code >= 500 and not last:
                health.note(K.HTTP_ERROR, f"{path}: HTTP {response.status_code}; retried", fatal=False)
                self.sleep(self.options.backoff_s * attempt)
                continue
            if response.status_code != 200:
                raise ApiError(f"{path}: HTTP {response.status_code}", status=response.status_code)
            return _json(response, path)
        raise AssertionError("unreachable")  # pragma: no cover

    def retry_after(self, response: httpx.Response, attempt: int) -> float:
        """Seconds to wait for a 429: Retry-After (seconds or HTTP date), bounded; else backoff."""
        header = response.headers.get("Retry-After", "").strip()
        wait = self.options.backoff_s * attempt
        if header:
            try:
                wait = float(header)
            except ValueError:
                try:
                    wait = (parsedate_to_datetime(header) - utc_now()).total_seconds()
                except (TypeError, ValueError):
                    pass
        return min(max(wait, 0.0), self.options.max_retry_after_s)

    def pages(self, path: str, health: _Health, items: Callable[[dict[str, Any]], list[Any]]
              ) -> Iterator[list[Any]]:
        """Yield each page's items, following `checkpoint` while `additional_results` is true."""
        params: dict[str, Any] = {"limit": self.options.limit}
        empty = 0
        while True:
            body = self.get(path, params, health)
            health.pages += 1
            page = items(body)
            yield page
            if not body.get("additional_results"):
                return
            empty = empty + 1 if not page else 0
            if empty >= self.options.max_empty_pages:
                raise ApiError(f"{path}: {empty} empty pages in a row still claim more results")
            if not body.get("checkpoint"):
                raise ApiError(f"{path}: more results claimed but no checkpoint given")
            params = {"limit": self.options.limit, "after_checkpoint": body["checkpoint"]}


def _json(response: httpx.Response, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ApiError(f"{path}: the response is not JSON", status=response.status_code) from exc
    if not isinstance(body, dict) or "additional_results" not in body:
        raise ApiError(f"{path}: unexpected response shape", status=response.status_code)
    return body


def read_monitored_users(reader: ApiReader) -> tuple[list[MonitoredUser], Collection]:
    """Every monitored user; a user returned twice keeps its latest version (the spec says so)."""
    started, health = utc_now(), _Health()
    users: dict[int, MonitoredUser] = {}
    repeated = 0

    def run() -> None:
        nonlocal repeated
        for page in reader.pages("/api/v1/monitoring/users", health, lambda b: b["results"]):
            for item in page:
                user = MonitoredUser.model_validate(item)
                repeated += user.id in users
                users[user.id or -len(users) - 1] = user

    _run(run, health)
    if repeated:
        health.note(K.DUPLICATE_ROWS, f"{repeated} users returned again; kept the latest",
                    fatal=False)
    records = list(users.values())
    return records, _collection("user_monitoring", health, len(records), started)


def read_audit_events(reader: ApiReader, since: datetime | None = None,
                      until: datetime | None = None) -> tuple[list[AuditEvent], Collection]:
    """Audit events (beta endpoint), kept when `since <= timestamp < until`."""
    started, health = utc_now(), _Health()
    events: list[AuditEvent] = []

    def run() -> None:
        for page in reader.pages("/api/v1/audits", health, lambda b: b["results"]):
            events.extend(AuditEvent.model_validate(item) for item in page)

    _run(run, health)
    kept = [e for e in events if (since is None or e.timestamp >= since)
            and (until is None or e.timestamp < until)]
    return kept, _collection("audit_trail", health, len(events), started)


def read_groups(reader: ApiReader, *, members: bool = True) -> tuple[list[Group], Collection]:
    """Every group, with its members (one paginated detail call per group) when asked."""
    started, health = utc_now(), _Health()
    groups: list[Group] = []

    def run() -> None:
        for page in reader.pages("/api/v1/groups", health, lambda b: b["groups"]):
            for meta in page:
                found = _members(reader, meta["id"], health) if members else None
                groups.append(_group(meta, found))

    _run(run, health)
    return groups, _collection("groups", health, len(groups), started)


def _members(reader: ApiReader, group_id: int, health: _Health) -> tuple[GroupMember, ...]:
    out: list[GroupMember] = []
    for page in reader.pages(f"/api/v1/groups/{group_id}", health,
                             lambda b: b["results"]["members"]):
        for item in page:
            if "address" in item:
                out.append(GroupMember(value=item["address"], type="Address"))
            else:  # domains are `@example.com` in the API, `*@example.com` in the portal
                out.append(GroupMember(value="*" + item["domain"], type="Domain"))
    return tuple(out)


def _group(meta: dict[str, Any], members: tuple[GroupMember, ...] | None) -> Group:
    return Group(id=meta.get("id"), name=meta["name"], member_count=len(members or ()),
                 created_at=meta.get("created_at"), updated_at=meta.get("updated_at"),
                 members=members)


def _run(body: Callable[[], None], health: _Health) -> None:
    """Run a paginated read; an ApiError or bad record ends it with a fatal error."""
    try:
        body()
    except RateLimited as exc:
        health.note(K.RATE_LIMITED, str(exc), fatal=True)
    except ApiError as exc:
        health.note(K.HTTP_ERROR, str(exc), fatal=True)
    except (ValueError, KeyError, TypeError) as exc:  # pydantic errors are ValueErrors
        health.note(K.PARSE_ERROR, f"unexpected record: {str(exc).splitlines()[0]}", fatal=True)


def _collection(surface: Surface, health: _Health, read: int, started: datetime) -> Collection:
    complete = not any(e.fatal for e in health.errors)
    return Collection(surface=surface, source="api", complete=complete, expected_count=None,
                      read_count=read, errors=tuple(health.errors), pages_read=health.pages,
                      started_at=started, finished_at=utc_now())
