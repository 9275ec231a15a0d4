"""The paging proof without a browser: scripted pages drive `read_list`, and displayed values
parse back to typed values. Fast; pins the rules that the browser tests cannot easily provoke."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from connector.models import CollectionErrorKind as K
from flows.pages.base import PageIncomplete
from flows.pages.paging import Retry, read_list
from flows.table import ParseError, StatusLine, parse_count, parse_int, parse_status, parse_time

NO_WAIT = Retry(attempts=2, backoff_s=0.0)


@dataclass
class _Session:
    sign_in_count: int = 0


@dataclass
class ScriptedList:
    """A stand-in list page: each load returns the next scripted (status, rows) or exception."""

    script: list[Any]
    session: _Session = field(default_factory=_Session)
    ROWS_MAY_REPEAT: bool = False
    calls: int = 0
    _current: list[str] = field(default_factory=list)

    def load_page(self, page_no: int, size: int, query: Any, shown: int | None = None
                  ) -> StatusLine:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if isinstance(step, Exception):
            raise step
        status, self._current = step
        return status

    def check_fingerprint(self) -> None:
        """Scripted pages always match."""

    def read_rows(self, status: StatusLine) -> list[str]:
        return list(self._current)

    def record_key(self, record: str) -> str:
        return record


def _rows(first: int, last: int) -> list[str]:
    return [f"user{i}@example.com" for i in range(first, last + 1)]


def test_rows_read_twice_make_the_read_incomplete() -> None:
    """Page 2 repeats ten rows of page 1 (the list shifted), on the re-read too: duplicate_rows
    and rows_moved, never complete."""
    shifted = [(StatusLine(1, 250, 500), _rows(1, 250)), (StatusLine(251, 500, 500), _rows(241, 490))]
    page = ScriptedList(shifted * 2)
    read = read_list(page, "user_monitoring", retry=NO_WAIT)  # type: ignore[arg-type]
    assert not read.collection.complete and read.collection.read_count == 490
    assert {K.DUPLICATE_ROWS, K.ROWS_MOVED} <= {e.kind for e in read.collection.errors if e.fatal}


def test_a_short_page_is_retried_then_reported() -> None:
    """A page that keeps rendering short ends the read with count_mismatch; nothing marked complete."""
    short = PageIncomplete("read 200 rows where the status line promised 250", read=200, want=250)
    page = ScriptedList([(StatusLine(1, 250, 251), _rows(1, 250)), short])
    read = read_list(page, "user_monitoring", retry=NO_WAIT)  # type: ignore[arg-type]
    assert not read.collection.complete
    assert [e.fatal for e in read.collection.errors if e.kind == K.COUNT_MISMATCH] == [False, True]
    assert read.collection.expected_count == 251 and read.collection.read_count == 250


def test_a_transient_failure_then_success_is_complete_with_a_note() -> None:
    """One short render, then the full page: complete, and the retry is on record."""
    short = PageIncomplete("short", read=1, want=2)
    page = ScriptedList([short, (StatusLine(1, 2, 2), _rows(1, 2))])
    read = read_list(page, "user_monitoring", retry=NO_WAIT)  # type: ignore[arg-type]
    assert read.collection.complete and read.records == _rows(1, 2)
    assert [e.fatal for e in read.collection.errors] == [False]


def test_a_total_that_moves_once_is_re_read_completely() -> None:
    """The total grows between page 1 and 2; the re-read (and its second look at page 1) is
    consistent: complete, change noted."""
    page = ScriptedList([(StatusLine(1, 250, 300), _rows(1, 250)),
                         (StatusLine(251, 301, 301), _rows(251, 301)),
                         (StatusLine(1, 250, 301), _rows(1, 250)),
                         (StatusLine(251, 301, 301), _rows(251, 301)),
                         (StatusLine(1, 250, 301), _rows(1, 250))])
    read = read_list(page, "user_monitoring", retry=NO_WAIT)  # type: ignore[arg-type]
    assert read.collection.complete and read.collection.read_count == 301
    assert [(e.kind, e.fatal) for e in read.collection.errors] == [(K.TOTAL_CHANGED, False)]


def test_a_missing_status_total_is_never_complete() -> None:
    """A page that never loads at all: no total known, so the read cannot be complete."""
    from connector.errors import PageNotLoaded

    page = ScriptedList([PageNotLoaded("progressbar never cleared")])
    read = read_list(page, "user_monitoring", retry=NO_WAIT)  # type: ignore[arg-type]
    assert not read.collection.complete and read.collection.expected_count is None
    assert {e.kind for e in read.collection.errors} == {K.TIMEOUT}


@pytest.mark.parametrize(("text", "expected"), [
    ("Showing 51–100 of 1,234", StatusLine(51, 100, 1234)),
    ("Showing 1-25 of 25", StatusLine(1, 25, 25)),
    ("No results", StatusLine(0, 0, 0)),
    ("Loading…", None),
])
def test_status_lines_parse(text: str, expected: StatusLine | None) -> None:
    """The status line's forms (en dash or hyphen, separators, No results) and garbage."""
    assert parse_status(text) == expected


def test_displayed_values_parse_back() -> None:
    """Thousands separators, `Never`, `2026-11-27 14:03 UTC`; junk raises ParseError."""
    assert parse_int("12,345") == 12345 and parse_count("1,204 members") == 1204
    assert parse_time("Never") is None
    assert parse_time("2026-11-27 14:03 UTC") == datetime(2026, 11, 27, 14, 3, tzinfo=UTC)
    assert parse_time("2026-11-27T14:03:00Z") == datetime(2026, 11, 27, 14, 3, tzinfo=UTC)
    for junk in ("12a", ""):
        with pytest.raises(ParseError):
            parse_int(junk)
    with pytest.raises(ParseError):
        parse_time("27/11/2026 14:03")
