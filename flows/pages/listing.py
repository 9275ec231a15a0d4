"""List pages: a paginated table whose state lives in the URL (portal-model.md, "Shared list").

A `ListPage` loads one page of its table (`load_page`), waits until the progressbar "Loading" is
gone and the status line says which rows it shows, and reads those rows in one evaluate
(`read_rows`). Paging over every page and proving completeness lives in `flows.pages.paging`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import ClassVar, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connector.errors import PageNotLoaded, UiChanged
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
        """Open page `page_no` and wait for its rows; raise a typed PortalError when it fails.

        `shown`: rows per page the portal really shows, when it did not honour `page_size`.
        """
        failures: list[Response] = []
        listener = _server_error_listener(self.session.base_url, failures)
        self.page.on("response", listener)
        try:
            self.goto(self.url(page_no, page_size, query))
            status = self.wait_loaded(failures)
        finally:
            self.page.remove_listener("response", listener)
        first = (page_no - 1) * (shown or page_size) + 1
        if status.total and status.first != first:  # e.g. page 2 of a list that shrank to 249
            raise PageMoved(f"{self.NAME}: asked for rows from {first:,}, the page shows "
                            f"{status.first:,}–{status.last:,} of {status.total:,}",
                            total=status.total)
        return status

    def wait_loaded(self, failures: list[Response] | None = None) -> StatusLine:
        """Wait until the progressbar is gone and the status line says which rows show.

        Waits in slices inside the browser (no busy polling), checking between slices for a
        failed data call, an alert, or a redirect to the sign-in page.
        """
        deadline = time.monotonic() + self.timeout_ms / 1000
        ready = self.locator("status").filter(has_text=_STATUS_TEXT).or_(self.locator("alert")).first
        while True:
            remaining_ms = (deadline - time.monotonic()) * 1000
            try:
                ready.wait_for(state="visible", timeout=max(1.0, min(remaining_ms, 1_000)))
            except PlaywrightTimeout:
                pass
            self._raise_on_trouble(failures or [])
            status = self.settled_status()
            if status is not None:
                return status
            if time.monotonic() > deadline:
                raise PageNotLoaded(self._not_loaded_message(status))
            if ready.is_visible():  # a status line, but a re-load is running: look again shortly
                time.sleep(0.05)

    def _raise_on_trouble(self, failures: list[Response]) -> None:
        _raise_on_failure(failures)
        if urlsplit(self.page.url).path.startswith("/login"):
            raise SignedOut(f"{self.NAME}: the data call led to the sign-in page")
        self._raise_on_alert()

    def _raise_on_alert(self) -> None:
        """A visible alert on a list page means its rows did not load."""
        alert = self.locator("alert")
        if alert.count() > 0 and alert.first.is_visible():
            raise DataLoadFailed(f"{self.NAME}: the page says: {alert.first.inner_text().strip()}")

    def settled_status(self) -> StatusLine | None:
        """The status line once no progressbar shows, else None."""
        if self.locator("progressbar").count() > 0:
            return None
        status = self.locator("status").filter(has_text=_STATUS_TEXT)
        if status.count() == 0:
            return None
        return parse_status(status.first.inner_text())

    def _not_loaded_message(self, status: StatusLine | None) -> str:
        if self.locator("progressbar").count() > 0:
            return f"{self.NAME}: still loading after {self.timeout_ms} ms (progressbar never cleared)"
        return f"{self.NAME}: no status line matching the requested page (got {status})"

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
