"""Read every page of a list page and prove the read complete, or say why it is not.

The proof: the rows read (distinct, none twice) equal the status line's total, the total did not
move while the pages were read, and, for a list of more than one page, every row read on pages
1..n-1 is seen again when those pages are read a second time, after page n. Transient failures
(5xx, maintenance, a page that did not load, a page that rendered short) are retried a bounded
number of times; a session that expired is signed in again by the session on the next navigation
and reading resumes at the same page. Everything that happened is recorded in the `Collection`;
nothing is papered over.

Why the second look, and why it suffices. Pages are read one after another while the portal may
sync users in and out; a removal before the current page boundary and a joiner after it leave
the total unchanged but move every later row back by one, so the next page's first row slips
onto a page already read: a row present throughout is never read, the count still adds up, and
a leaver still in the portal would be reported gone. Offsets cannot catch that; this can:

  Assume (a) one page load shows its rows and its total as of one instant (one data answer),
  and (b) a row that leaves the list does not come back under the same record key while the list
  is read. Let pass 1 read pages 1..n, page n at instant t, with total T at every load, and
  distinct keys R, |R| = T. Re-read pages 1..n-1 after t and find every key of R's pages 1..n-1
  again. Each such key was in the list before t and after t, so by (b) at t; page n's keys were
  at t by (a). So R is a subset of the list at t, which held T rows: R IS the list at t, exactly.
  Any row present at t (in particular any row present throughout the read) was read, and no row
  read was already gone or not yet there at t.

When a key is not seen again, or a row turns up on two pages, rows moved: the whole read is
done again (`Retry.restarts` times), then reported as fatal `rows_moved`. A list of one page is a
single load, (a) alone proves it, and it is never read twice. The cost is n-1 extra page loads
for a list of n pages; the proof needs every key of pages 1..n-1 observed after t, so no
cheaper re-read of the same pages can carry it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from connector.errors import (
    PageNotLoaded,
    PortalError,
    PortalUnavailable,
    SessionExpired,
    UiChanged,
)
from connector.models import Collection, CollectionError, CollectionErrorKind, Surface, utc_now
from flows.pages.base import (
    DataLoadFailed,
    Maintenance,
    PageIncomplete,
    PageMoved,
    RateLimitedPage,
    RowParseError,
    ServerError,
    SignedOut,
)
from flows.pages.listing import ListPage
from flows.table import StatusLine, TableReadFailed

T = TypeVar("T")
K = CollectionErrorKind
# PortalUnavailable covers Maintenance, ServerError, RateLimitedPage, DataLoadFailed and a network
# failure of the navigation itself.
_TRANSIENT = (PortalUnavailable, PageNotLoaded, PageIncomplete, SignedOut, TableReadFailed)


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to retry a transient failure of one page."""

    attempts: int = 3  # tries per page, the first included
    backoff_s: float = 0.5  # wait before retry n: backoff_s * n
    restarts: int = 1  # full re-reads allowed when the total moves mid-read
    max_retry_after_s: float = 10.0  # a 429's Retry-After is honoured up to this

    def wait(self, exc: Exception, attempt: int) -> float:
        """Seconds to wait before the next try: Retry-After (bounded) for a 429, else backoff."""
        backoff = self.backoff_s * attempt
        after = getattr(exc, "retry_after", None)
        return max(backoff, min(after, self.max_retry_after_s)) if after else backoff


@dataclass
class ListRead(Generic[T]):
    """The records of one list read and the health record that says how far to trust them."""

    records: list[T]
    collection: Collection


@dataclass
class _State(Generic[T]):
    records: dict[str, T] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)
    total: int | None = None
    pages: int = 0
    shown: int | None = None  # rows per page the portal shows, when not the size asked for
    last_page_keys: set[str] = field(default_factory=set)  # keys first read on the last page
    moved: list[str] = field(default_factory=list)  # keys read on two different pages


_Moved = tuple[CollectionErrorKind, str]  # why a read must start again


def read_list(
    page: ListPage[T],
    surface: Surface,
    *,
    query: Mapping[str, str] | None = None,
    page_size: int = 250,
    retry: Retry | None = None,
) -> ListRead[T]:
    """Read every page of `page` (with `query`), returning records and their Collection."""
    retry = retry or Retry()
    started = utc_now()
    state: _State[T] = _State()
    for attempt in range(retry.restarts + 1):
        state = _State(errors=state.errors)
        moved = _read_once(page, state, query or {}, page_size, retry)
        if moved is None:
            break
        kind, message = moved
        final = attempt == retry.restarts
        state.errors.append(_error(kind, message, fatal=final, page=state.pages + 1))
    return ListRead(list(state.records.values()), _collection(surface, state, started))


def _read_once(page: ListPage[T], state: _State[T], query: Mapping[str, str], size: int,
               retry: Retry) -> _Moved | None:
    """Pass 1 over every page, then the second look at pages 1..n-1; why to restart, if so."""
    changed = _read_pages(page, state, query, size, retry)
    if changed:
        return K.TOTAL_CHANGED, changed
    if state.moved:
        return K.ROWS_MOVED, (f"{len(state.moved)} row(s) showed on two pages: rows moved "
                              f"between page loads (users synced in or out while reading)")
    if state.pages < 2 or any(e.fatal for e in state.errors):
        return None  # one page is one load (nothing to confirm); a failed read is reported as is
    return _confirm(page, state, query, size, retry)


def _confirm(page: ListPage[T], state: _State[T], query: Mapping[str, str], size: int,
             retry: Retry) -> _Moved | None:
    """Read pages 1..n-1 again (after page n): every key first read there must be there again."""
    again: _State[T] = _State(errors=state.errors, total=state.total, shown=state.shown)
    changed = _read_pages(page, again, query, size, retry, last=state.pages - 1)
    if changed:
        return K.TOTAL_CHANGED, f"{changed} (read again to confirm the rows)"
    if any(e.fatal for e in state.errors):
        return None  # the second look failed: the read stays unproven, and says why
    earlier = state.records.keys() - state.last_page_keys
    gone = len(earlier - again.records.keys())
    if gone:
        return K.ROWS_MOVED, (f"{gone} of the {len(earlier):,} rows read on pages 1–"
                              f"{state.pages - 1} were not there when those pages were read again "
                              f"after page {state.pages}: rows moved between page loads")
    return None


class IncompleteRead(PortalError):
    """`read_all`/`search` could not prove the list complete; `.collection` says why."""

    def __init__(self, collection: Collection) -> None:
        reasons = "; ".join(e.message for e in collection.errors if e.fatal)
        super().__init__(f"{collection.surface}: incomplete read: {reasons}")
        self.collection = collection


class ReadablePage(ListPage[T]):
    """A list page that reads itself completely: `read`, `read_all`, `search`."""

    SURFACE: ClassVar[Surface]

    def read(self, query: Mapping[str, str] | None = None, *, page_size: int = 250,
             retry: Retry | None = None) -> ListRead[T]:
        """Every row (matching `query`), with the health record of the read."""
        return read_list(self, self.SURFACE, query=query, page_size=page_size, retry=retry)

    def read_all(self, query: Mapping[str, str] | None = None) -> list[T]:
        """Every row; raises IncompleteRead when completeness cannot be proven."""
        read = self.read(query)
        if not read.collection.complete:
            raise IncompleteRead(read.collection)
        return read.records

    def search(self, text: str) -> list[T]:
        """Type `text` in the search box as an admin would and read every matching row."""
        return self.read_all(self.search_state(text))

    def search_state(self, text: str, wait_s: float = 3.0) -> dict[str, str]:
        """Search through the search box; return the URL state it leads to (else `q`)."""
        self.load_page(1, 25)
        box = self.locator("search")
        box.fill(text)
        box.press("Enter")
        return self.wait_for_state(text, wait_s) or {"q": text}


def _read_pages(
    page: ListPage[T], state: _State[T], query: Mapping[str, str], size: int, retry: Retry,
    last: int | None = None,
) -> str | None:
    """Read pages (up to page `last`, else all) into `state`; a message when the total moved."""
    page_no = 1
    while True:
        try:
            loaded = _load_with_retries(page, state, page_no, query, size, retry)
        except PageMoved as exc:
            return f"the total changed from {state.total:,} to {exc.total:,} on page {page_no}"
        if loaded is None:
            return None
        status, records = loaded
        if state.total is not None and status.total != state.total:
            return f"the total changed from {state.total:,} to {status.total:,} on page {page_no}"
        state.total = status.total
        if page_no == 1 and status.last < status.total and status.rows_on_page != size:
            state.shown = status.rows_on_page  # page_size not honoured: follow what it shows
        _add(page, state, records, page_no)
        if status.last >= status.total or page_no == last:
            return None
        page_no += 1


def _load_with_retries(
    page: ListPage[T], state: _State[T], page_no: int, query: Mapping[str, str], size: int,
    retry: Retry,
) -> tuple[StatusLine, list[T]] | None:
    """One page, retried on transient failures; None (with a fatal error recorded) on failure."""
    for attempt in range(1, retry.attempts + 1):
        signed_in = getattr(page.session, "sign_in_count", 0)
        try:
            status = page.load_page(page_no, size, query, state.shown)
            if page_no == 1:  # never read a half-matching page: heading, table, columns, controls
                page.check_fingerprint()
            return status, page.read_rows(status)
        except PageMoved as exc:
            if state.total is not None and exc.total != state.total:
                raise  # the list changed under us: the caller re-reads or reports it
            failure: Exception = exc
        except _TRANSIENT as exc:
            failure = exc
        except PortalError as exc:  # UiChanged, SessionExpired, RowParseError: retrying won't help
            state.errors.append(_error(kind_of(exc), str(exc), page=page_no))
            return None
        finally:
            _note_resign(page, state, signed_in, page_no)
        last = attempt == retry.attempts
        state.errors.append(
            _error(kind_of(failure), _msg(failure, attempt), fatal=last, page=page_no)
        )
        if not last:
            time.sleep(retry.wait(failure, attempt))
    return None


def _note_resign(page: ListPage[T], state: _State[T], before: int, page_no: int) -> None:
    """A re-sign-in during this page is worth knowing about even when the read then succeeds."""
    if getattr(page.session, "sign_in_count", 0) > before:
        msg = f"the session expired; signed in again and resumed at page {page_no}"
        state.errors.append(_error(K.SESSION_EXPIRED, msg, fatal=False, page=page_no))


def _add(page: ListPage[T], state: _State[T], records: list[T], page_no: int) -> None:
    """Add one page's records; a key seen on an earlier page means the rows moved."""
    state.pages += 1
    on_page: dict[str, int] = {}
    first_here: set[str] = set()
    for record in records:
        key = page.record_key(record)
        if page.ROWS_MAY_REPEAT:  # e.g. two identical audit rows in one minute: both are real
            on_page[key] = on_page.get(key, 0) + 1
            key = f"{key}#{on_page[key]}"
        if key in state.records:
            state.duplicates.append(f"{key} (page {page_no})")
            if key not in first_here:  # read on an earlier page: the list shifted forward
                state.moved.append(key)
        else:
            state.records[key] = record
            first_here.add(key)
    state.last_page_keys = first_here


def _collection(surface: Surface, state: _State[T], started: object) -> Collection:
    errors = list(state.errors)
    if state.duplicates:
        shown = ", ".join(state.duplicates[:5])
        errors.append(_error(K.DUPLICATE_ROWS, f"{len(state.duplicates)} rows read twice: {shown}"))
    read = len(state.records)
    fatal = any(e.fatal for e in errors)
    if not fatal and state.total is not None and read != state.total:
        msg = f"read {read:,} distinct rows but the status line says {state.total:,}"
        errors.append(_error(K.COUNT_MISMATCH, msg))
    complete = state.total is not None and not any(e.fatal for e in errors) and read == state.total
    return Collection(
        surface=surface, source="dom", complete=complete, expected_count=state.total,
        read_count=read, errors=tuple(errors), pages_read=state.pages,
        started_at=started, finished_at=utc_now(),  # type: ignore[arg-type]
    )


def kind_of(exc: Exception) -> CollectionErrorKind:
    """The collection-error kind for a failure (the most specific class wins)."""
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return kind
    return K.PAGE_NOT_LOADED


_KINDS: tuple[tuple[type[Exception], CollectionErrorKind], ...] = (
    (Maintenance, K.MAINTENANCE),
    (ServerError, K.HTTP_ERROR),
    (RateLimitedPage, K.RATE_LIMITED),
    (DataLoadFailed, K.HTTP_ERROR),
    (PageIncomplete, K.COUNT_MISMATCH),
    (PageMoved, K.COUNT_MISMATCH),
    (SignedOut, K.SESSION_EXPIRED),
    (SessionExpired, K.SESSION_EXPIRED),
    (UiChanged, K.UI_CHANGED),
    (RowParseError, K.PARSE_ERROR),
    (PageNotLoaded, K.TIMEOUT),
    (TableReadFailed, K.PAGE_NOT_LOADED),
    (PortalUnavailable, K.PAGE_NOT_LOADED),
)


def _msg(exc: Exception, attempt: int) -> str:
    return f"{exc} (attempt {attempt})"


def _error(kind: CollectionErrorKind, message: str, *, fatal: bool = True, page: int | None = None
           ) -> CollectionError:
    return CollectionError(kind=kind, message=message, page=page, fatal=fatal)
