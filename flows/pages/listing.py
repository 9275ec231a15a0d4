"""List pages: a paginated table whose state lives in the URL (portal-model.md, "Shared list").

A `ListPage` shows one page of its table (`load_page`): the page right after the one it showed
last by clicking "Next page" (the table reloads in place, far cheaper than a navigation), any
other page by its URL. It waits until the progressbar "Loading" is gone and the status line says
which rows it shows (after a click: other rows than before), and reads those rows in one evaluate
(`read_rows`). Paging over every page and proving completeness lives in `flows.pages.paging`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Generic, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connector.errors import PageNotLoaded, PortalUnavailable, UiChanged
from flows.pages.base import (
    BasePage,
    DataLoadFailed,
    PageIncomplete,
    PageMoved,
    RateLimitedPage,
    RowParseError,
    ServerError,
    SignedOut,
    Spec,
    retry_after,
    role,
)
from flows.table import ParseError, StatusLine, parse_status, read_table

T = TypeVar("T")
_STATUS_TEXT = re.compile(r"Showing|No results", re.IGNORECASE)
_CLICK_MS = 1_000  # "Next page" must be clickable about at once; else the URL is opened instead

LIST_LOCATORS: dict[str, Spec] = {
    "status": role("status"),
    "progressbar": role("progressbar", "Loading"),
    "alert": role("alert"),
    "rows_per_page": role("combobox", "Rows per page"),
    "next_page": role("button", "Next page"),
    "previous_page": role("button", "Previous page"),
}


class ListPage(BasePage, Generic[T]):
    """A paginated table page. Subclasses set TABLE_NAME, COLUMNS, parse_row and record_key."""

    TABLE_NAME: ClassVar[str] = ""
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()  # (field, header text), in order
    KEY_CONTROLS: ClassVar[tuple[str, ...]] = ("status", "rows_per_page", "next_page")
    ROWS_MAY_REPEAT: ClassVar[bool] = False  # identical rows on one page are distinct records
    stall_ms: int = 2_000  # how long a virtualised grid may show no new rows while scrolled
    _at: _Position | None = None  # the page `load_page` last showed completely, if any
    next_page_failed: bool = False  # a click on "Next page" once did not reload: URLs only

    @classmethod
    def specs(cls) -> dict[str, Spec]:
        """Heading, table, shared list controls, then the page's own locators."""
        table = {"table": role("table|grid", cls.TABLE_NAME)}
        return {**super().specs(), **table, **LIST_LOCATORS, **cls.LOCATORS}

    @classmethod
    def override_keys(cls) -> dict[str, str]:
        """Locator keys, plus `<page>.column.<field>` -> the header text it looks for."""
        columns = {f"{cls.NAME}.column.{f}": f'header "{h}"' for f, h in cls.COLUMNS}
        return {**super().override_keys(), **columns}

    def column_headers(self) -> tuple[str, ...]:
        """The header text expected for each column (overridable per field)."""
        return tuple(self.overrides.get(self.key(f"column.{f}"), h) for f, h in self.COLUMNS)

    def url(self, page_no: int = 1, page_size: int = 250, query: Mapping[str, str] | None = None) -> str:
        """The page's URL with its list state (`?q=…&page=3&page_size=250`)."""
        state = {k: v for k, v in (query or {}).items() if v not in ("", None)}
        state.update(page=str(page_no), page_size=str(page_size))
        return f"{self.path}?{urlencode(state)}"

    def current_state(self) -> dict[str, str]:
        """The list state in the current URL, without the paging keys."""
        state = dict(parse_qsl(urlsplit(self.page.url).query))
        return {k: v for k, v in state.items() if k not in ("page", "page_size")}

    def wait_for_state(self, value: str, wait_s: float = 3.0) -> dict[str, str] | None:
        """Wait until some URL state key carries `value`; that state, or None if it never does."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            state = self.current_state()
            if value in state.values():
                return state
            time.sleep(0.05)
        return None

    def load_page(
        self, page_no: int, page_size: int, query: Mapping[str, str] | None = None,
        shown: int | None = None,
    ) -> StatusLine:
        """Show page `page_no` and wait for its rows; raise a typed PortalError when it fails.

        The page right after the one last shown is reached with "Next page" (the table reloads
        in place); page 1, a retry, and anything unexpected open the page's URL instead.
        `shown`: rows per page the portal really shows, when it did not honour `page_size`.
        """
        failures: list[Response] = []
        listener = _server_error_listener(self.session.base_url, failures)
        self.page.on("response", listener)
        at, self._at = self._at, None  # trusted again only once this page has fully loaded
        try:
            text, status = self._show(page_no, page_size, query, at, failures)
        except PlaywrightError as exc:  # the page navigated mid-call (e.g. its script, to sign-in)
            raise PortalUnavailable(f"{self.NAME}: {str(exc).splitlines()[0]}") from exc
        finally:
            self.page.remove_listener("response", listener)
        first = (page_no - 1) * (shown or page_size) + 1
        if status.total and status.first != first:  # e.g. page 2 of a list that shrank to 249
            raise PageMoved(f"{self.NAME}: asked for rows from {first:,}, the page shows "
                            f"{status.first:,}–{status.last:,} of {status.total:,}",
                            total=status.total)
        self._at = _Position(self.page, self.page.url, _list_state(page_size, query), page_no, text)
        return status

    def _show(
        self, page_no: int, page_size: int, query: Mapping[str, str] | None,
        at: _Position | None, failures: list[Response],
    ) -> tuple[str, StatusLine]:
        """Reach the page by "Next page" when it is the next one, else by its URL; wait for it."""
        if at is not None and at.leads_to(self.page, page_no, _list_state(page_size, query)):
            if not self.next_page_failed and self._click_next():
                try:
                    return self._wait(failures, after=at.text)
                except PageNotLoaded:  # the click did not reload the table: use URLs from now on
                    self.next_page_failed = True
                    raise
        self.goto(self.url(page_no, page_size, query))
        return self._wait(failures)

    def _click_next(self) -> bool:
        """Click "Next page"; False (nothing clicked) when it is not there at once."""
        try:  # a DOM click: one round trip; whether it worked is proven by the status line
            self.locator("next_page").first.dispatch_event("click", timeout=_CLICK_MS)
        except PlaywrightError:
            return False
        return True

    def _wait(self, failures: list[Response], after: str | None = None) -> tuple[str, StatusLine]:
        """Wait for a settled status line (other than `after`, the one shown before a click).

        Waits in slices inside the browser (no polling while the page loads), checking between
        slices for a failed data call, a redirect to the sign-in page or an alert.
        """
        deadline = time.monotonic() + self.timeout_ms / 1000
        status = self.locator("status").filter(has_text=_STATUS_TEXT)
        status = status.filter(has_not_text=after) if after else status
        ready = status.or_(self.locator("alert")).first
        while True:
            _wait_for(ready, "visible", _slice_ms(deadline))
            _raise_on_failure(failures)
            if urlsplit(self.page.url).path.startswith("/login"):
                raise SignedOut(f"{self.NAME}: the data call led to the sign-in page")
            settled = self._settled(status, deadline)
            if settled is not None:
                return settled
            if time.monotonic() > deadline:
                raise PageNotLoaded(self._not_loaded_message(after))

    def _settled(self, status: Locator, deadline: float) -> tuple[str, StatusLine] | None:
        """(its text, parsed) of `status` once no alert or progressbar shows, else None.

        Raises DataLoadFailed on a visible alert; while a progressbar shows, waits a slice (up
        to `deadline`) in the browser for it to clear.
        """
        if self.locator("progressbar").or_(self.locator("alert")).count() > 0:
            self._raise_on_alert()
            bar = self.locator("progressbar")
            if bar.count() > 0:
                _wait_for(bar.first, "hidden", _slice_ms(deadline))
                return None
        # innerText to parse (as shown); textContent, which Playwright's has_not_text compares
        texts = status.evaluate_all("els => els.map(e => [e.innerText, e.textContent || ''])")
        parsed = parse_status(texts[0][0]) if texts else None
        if parsed is None and texts:  # a status line that does not parse (yet): look again soon
            time.sleep(0.05)
        return (" ".join(texts[0][1].split()), parsed) if parsed is not None else None

    def _raise_on_alert(self) -> None:
        """A visible alert on a list page means its rows did not load."""
        alert = self.locator("alert")
        if alert.count() > 0 and alert.first.is_visible():
            raise DataLoadFailed(f"{self.NAME}: the page says: {alert.first.inner_text().strip()}")

    def _not_loaded_message(self, after: str | None) -> str:
        if self.locator("progressbar").count() > 0:
            return f"{self.NAME}: still loading after {self.timeout_ms} ms (progressbar never cleared)"
        if after:
            return f"{self.NAME}: after Next page the status line still says {after!r}"
        return f"{self.NAME}: no status line saying which rows show"

    def read_rows(self, status: StatusLine) -> list[T]:
        """Read the loaded page's rows (one evaluate) and parse them into records."""
        table = self.locator("table")
        if table.count() == 0:
            raise UiChanged(f"{self.NAME}: table {self.describe('table')} not found",
                            page=self.NAME, locator=self.key("table"))
        read = read_table(table.first, self.column_headers(), status.rows_on_page, stall_ms=self.stall_ms)
        self._check_missing(read.missing_columns, read.headers)
        if len(read.rows) != status.rows_on_page:
            raise PageIncomplete(
                f"{self.NAME}: read {len(read.rows)} rows where the status line promised "
                f"{status.rows_on_page}", read=len(read.rows), want=status.rows_on_page)
        fields = [f for f, _ in self.COLUMNS]
        try:
            return [self.parse_row(dict(zip(fields, row.cells, strict=True)), row.href) for row in read.rows]
        except (ParseError, ValueError) as exc:
            raise RowParseError(f"{self.NAME}: {exc}") from exc

    def _check_missing(self, missing: tuple[str, ...], headers: tuple[str, ...]) -> None:
        if not missing:
            return
        by_header = {h: f for f, h in zip([f for f, _ in self.COLUMNS], self.column_headers(), strict=True)}
        raise UiChanged(
            f"{self.NAME}: column {missing[0]!r} not found (headers shown: {', '.join(headers)})",
            page=self.NAME, locator=self.key(f"column.{by_header[missing[0]]}"))

    def check_columns(self) -> None:
        """Compare the table's header texts with the expected columns, in order."""
        read = read_table(self.locator("table").first, self.column_headers(), 0)
        self._check_missing(read.missing_columns, read.headers)

    def parse_row(self, cells: dict[str, str], href: str | None) -> T:
        """Turn one row's cells (by field) into a record."""
        raise NotImplementedError

    def record_key(self, record: T) -> str:
        """What makes a record distinct (for duplicate detection)."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Position:
    """Where a complete `load_page` left the browser: the page after it is one click away."""

    page: Page
    url: str
    state: tuple[tuple[str, str], ...]  # page size and query, as `_list_state` gives them
    page_no: int
    text: str  # its status line, which must change before the next page counts as shown

    def leads_to(self, page: Page, page_no: int, state: tuple[tuple[str, str], ...]) -> bool:
        """True when nothing moved the browser since, and `page_no` of `state` is the next page."""
        return (page is self.page and page.url == self.url and state == self.state
                and page_no == self.page_no + 1)


def _list_state(page_size: int, query: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """A comparable form of a list's state (its filters and page size, not its page)."""
    state = {k: str(v) for k, v in (query or {}).items() if v not in ("", None)}
    state["page_size"] = str(page_size)
    return tuple(sorted(state.items()))


def _slice_ms(deadline: float) -> float:
    """The next slice of a wait: up to a second, never past `deadline` (monotonic seconds)."""
    return max(1.0, min((deadline - time.monotonic()) * 1000, 1_000))


def _wait_for(locator: Locator, state: Literal["visible", "hidden"], timeout_ms: float) -> None:
    """Wait inside the browser up to `timeout_ms` for `state`; running out is not an error."""
    try:
        locator.wait_for(state=state, timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


def _server_error_listener(base_url: str, failures: list[Response]) -> Callable[[Response], None]:
    origin = urlsplit(base_url).netloc

    def listen(response: Response) -> None:
        if (response.status >= 500 or response.status == 429) and urlsplit(response.url).netloc == origin:
            failures.append(response)

    return listen


def _raise_on_failure(failures: list[Response]) -> None:
    if failures:
        first = failures[0]
        path = urlsplit(first.url).path
        if first.status == 429:
            raise RateLimitedPage(f"{path}: HTTP 429 while the page loaded",
                                  retry_after=retry_after(first))
        raise ServerError(f"{path}: HTTP {first.status} while the page loaded", status=first.status)
