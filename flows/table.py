"""Reading a portal table: displayed values back to typed values, and one-round-trip row reads.

The portal shows numbers with thousands separators (`12,345`), times as `2026-11-27 14:03 UTC`,
a missing time as `Never`, and a status line `Showing 51–100 of 1,234` / `No results`.
`read_table` reads every row of the current page in ONE `evaluate`, which also scrolls a
virtualised grid until the page's promised rows have all been seen (or progress stalls).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::(\d{2}))?\s*(UTC|Z)?$")
_STATUS = re.compile(r"Showing\s+([\d,]+)\s*[–—-]\s*([\d,]+)\s+of\s+([\d,]+)", re.IGNORECASE)
_NO_RESULTS = re.compile(r"\bNo results\b", re.IGNORECASE)
_MISSING = {"", "never", "—", "-", "n/a", "unknown"}  # the portal's ways of showing "no value"


class ParseError(ValueError):
    """A displayed value that does not parse as the type its column promises."""


def parse_int(text: str) -> int:
    """`12,345` (or `12 345`, `12.345`) -> 12345; raises ParseError on anything else."""
    cleaned = re.sub(r"[,\s\u00a0\u202f.']", "", text.strip())
    if not cleaned.isdigit():
        raise ParseError(f"not a number: {text!r}")
    return int(cleaned)


def parse_optional_int(text: str) -> int | None:
    """A number, or None for an empty/`Never`/dash cell."""
    return None if text.strip().casefold() in _MISSING else parse_int(text)


def parse_time(text: str) -> datetime | None:
    """`2026-11-27 14:03 UTC` -> aware UTC datetime; `Never` or empty -> None."""
    value = text.strip()
    if value.casefold() in _MISSING:
        return None
    match = _TIME.match(value)
    if match is None:
        try:  # ISO-8601 with a zone, as detail pages or a re-pointed real tenant may show
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ParseError(f"not a UTC time: {text!r}") from None
        if parsed.tzinfo is None:
            raise ParseError(f"time without a zone: {text!r}")
        return parsed.astimezone(UTC)
    day, hm, seconds, _ = match.groups()
    return datetime.fromisoformat(f"{day}T{hm}:{seconds or '00'}+00:00")


def parse_optional_text(text: str) -> str | None:
    """A free-text cell: None when empty, a dash or `None` (how detail pages show a null)."""
    value = text.strip()
    return None if value in {"", "—", "-", "None"} else value


@dataclass(frozen=True)
class StatusLine:
    """What the status line promised: rows `first`..`last` of `total` (all 0 for No results)."""

    first: int
    last: int
    total: int

    @property
    def rows_on_page(self) -> int:
        """How many rows this page must show."""
        return 0 if self.total == 0 else self.last - self.first + 1


def parse_status(text: str) -> StatusLine | None:
    """`Showing 51–100 of 1,234` -> StatusLine(51, 100, 1234); `No results` -> zeros; else None."""
    match = _STATUS.search(text)
    if match:
        first, last, total = (parse_int(group) for group in match.groups())
        return StatusLine(first, last, total)
    return StatusLine(0, 0, 0) if _NO_RESULTS.search(text) else None


@dataclass(frozen=True)
class Row:
    """One table row: its cells by expected column, and the first link's href (detail pages)."""

    cells: tuple[str, ...]
    href: str | None
    key: str  # aria-rowindex, or position/text: what made the row distinct while scrolling


@dataclass(frozen=True)
class TableRead:
    """The result of reading one page's table: header texts as shown, and its rows."""

    headers: tuple[str, ...]
    missing_columns: tuple[str, ...]
    rows: tuple[Row, ...]


# One round trip per page: find header cells, map expected columns by header text, collect rows
# (keyed by aria-rowindex when the grid is virtualised), scroll the nearest scrollable container
# until `want` rows were seen or nothing new appears for `stallMs`.
_READ_JS = """
async (table, {columns, want, stallMs}) => {
  const norm = s => (s || '').replace(/\\s+/g, ' ').trim().toLowerCase();
  const headerCells = [...table.querySelectorAll('[role=columnheader], thead th')];
  const headers = headerCells.map(c => (c.innerText || c.textContent || '').trim());
  const index = columns.map(c => headers.findIndex(h => norm(h) === norm(c)));
  const missing = columns.filter((c, i) => index[i] < 0);
  if (missing.length) return JSON.stringify({headers, missing, rows: []});
  // the scroll container may be inside the grid (a viewport around its rows) or around it;
  // looked for only when the first look did not show every promised row
  const scrolls = el => el.scrollHeight > el.clientHeight + 1
    && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
  const findScroller = () => {
    const inner = [...table.querySelectorAll('*')].find(scrolls);
    if (inner) return inner;
    for (let el = table; el; el = el.parentElement) if (scrolls(el)) return el;
    return document.scrollingElement;
  };
  let scroller = null;
  let virtual = table.getAttribute('aria-rowcount') !== null;
  const seen = new Map();
  const grab = () => {
    const rows = [...table.querySelectorAll('[role=row], tr')]
      .filter(r => !r.closest('thead') && !r.querySelector('[role=columnheader]'));
    rows.forEach((r, pos) => {
      const cells = [...r.querySelectorAll('[role=cell], [role=gridcell], [role=rowheader], td, th')]
        .map(c => (c.textContent || '').replace(/\\s+/g, ' ').trim());
      const values = index.map(i => cells[i] === undefined ? null : cells[i]);
      const link = r.querySelector('a[href]');
      const idx = r.getAttribute('aria-rowindex');
      const key = idx !== null ? 'i' + idx : (virtual ? 't' + values.join('|') : 'p' + pos);
      if (!seen.has(key)) seen.set(key, {cells: values, href: link ? link.getAttribute('href') : null, key});
    });
  };
  const pause = ms => new Promise(r => setTimeout(r, ms));
  grab();
  if (seen.size < want && !virtual) {  // rows render lazily: key them by content, not position
    virtual = true;
    seen.clear();
    grab();
  }
  let before = seen.size, lastNew = Date.now();
  while (seen.size < want) {
    scroller = scroller || findScroller();
    const step = Math.max(50, Math.floor(scroller.clientHeight * 0.8));
    scroller.scrollTop = Math.min(scroller.scrollTop + step, scroller.scrollHeight);
    await pause(20);
    grab();
    if (seen.size > before) { before = seen.size; lastNew = Date.now(); }
    else if (Date.now() - lastNew > stallMs) break;
  }
  if (scroller) scroller.scrollTop = 0;
  // one string, not a tree of values: Playwright validates every value of a structured result
  return JSON.stringify({headers, missing, rows: [...seen.values()]});
}
"""


def read_table(
    table: Locator, columns: tuple[str, ...], want: int, *, stall_ms: int = 2_000
) -> TableRead:
    """Read the table's rows for `columns` (by header text) in one evaluate, scrolling as needed."""
    try:
        raw = json.loads(table.evaluate(
            _READ_JS, {"columns": list(columns), "want": want, "stallMs": stall_ms}))
    except PlaywrightError as exc:  # element detached mid-read (a re-render): caller retries
        raise TableReadFailed(str(exc).splitlines()[0]) from exc
    rows = tuple(
        Row(tuple(c or "" for c in r["cells"]), r["href"], r["key"]) for r in raw["rows"]
    )
    return TableRead(tuple(raw["headers"]), tuple(raw["missing"]), rows)


class TableReadFailed(RuntimeError):
    """The table vanished or re-rendered while it was being read."""


_TERMS_JS = """
(root) => {
  const clean = el => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  return [...root.querySelectorAll('dt, [role=term]')].map(term => {
    let def = term.nextElementSibling;
    while (def && !def.matches('dd, [role=definition]')) def = def.nextElementSibling;
    return [clean(term), def ? clean(def) : null];
  });
}
"""


def read_terms(root: Locator) -> dict[str, str]:
    """A description list's terms and definitions (one evaluate), keys normalised by `norm_label`."""
    pairs = root.evaluate(_TERMS_JS)
    return {norm_label(term): value or "" for term, value in pairs}


def norm_label(label: str) -> str:
    """`Add-in version` / `Addin version` / `addin_version` -> `addinversion`."""
    return re.sub(r"[^a-z0-9]", "", label.casefold())


def parse_count(text: str) -> int:
    """A count cell that may carry a unit (`1,204` or `1,204 members`)."""
    match = re.match(r"^\s*([\d,.\u00a0\u202f ]*\d)\b", text)
    if match is None:
        raise ParseError(f"not a count: {text!r}")
    return parse_int(match.group(1))
