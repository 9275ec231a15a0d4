"""Strict parsing helpers for operator-supplied files (identity exports, exception lists).

Every helper raises `InputFileError` naming the file, the line and the field, so a bad file is
rejected with a message a person can act on, never silently half-read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connector.errors import InputFileError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


class Where:
    """A position in an input file that error messages refer to."""

    def __init__(self, path: Path | str, line: int | None = None) -> None:
        self.path, self.line = str(path), line

    def error(self, message: str, field: str | None = None) -> InputFileError:
        """An InputFileError at this position."""
        return InputFileError(self.path, message, line=self.line, field=field)


def read_text(path: Path) -> str:
    """The file's text (UTF-8, BOM tolerated); unreadable or empty files are errors."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), f"not UTF-8 text (byte {exc.start}); export or save it "
                             "as UTF-8") from exc
    except IsADirectoryError as exc:
        raise InputFileError(str(path), "is a directory, not a file") from exc
    except OSError as exc:
        raise InputFileError(str(path), f"cannot read the file ({exc.strerror})") from exc
    if not text.strip():
        raise InputFileError(str(path), "the file is empty")
    return text


def output_file(path: Path, flag: str) -> Path:
    """A file to write (`--out`): refused before any work when it names a folder."""
    if path.is_dir():
        raise InputFileError(str(path), f"{flag} names a directory; give the file to write, e.g. "
                             f"{path / 'snapshot.json'}")
    return path


def parse_bool(value: object, where: Where, field: str) -> bool:
    """true/false/yes/no/1/0 (any case) or a JSON boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise where.error(f"expected true/false/yes/no/1/0, got {value!r}", field)


def parse_datetime(value: object, where: Where, field: str) -> datetime:
    """An ISO-8601 date-time WITH a timezone (a string, or a TOML offset date-time)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise where.error(f"not an ISO-8601 date-time: {value!r}", field) from exc
    elif isinstance(value, date):
        raise where.error(f"{value} needs a time and timezone, e.g. {value}T00:00:00Z", field)
    else:
        raise where.error(f"expected an ISO-8601 date-time string, got {value!r}", field)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise where.error(f"{value!s} has no timezone; add one, e.g. 'Z' or '+01:00'", field)
    return parsed


def parse_email(value: object, where: Where, field: str) -> str:
    """A trimmed email address of the form local@domain.tld."""
    text = value.strip() if isinstance(value, str) else ""
    if not _EMAIL.match(text):
        raise where.error(f"not an email address: {value!r}", field)
    return text


def parse_text(value: object, where: Where, field: str, *, required: bool) -> str | None:
    """A trimmed string; empty means None unless required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise where.error("a value is required", field)
        return None
    if not isinstance(value, str):
        raise where.error(f"expected a string, got {value!r}", field)
    return value.strip()


def load_json(path: Path, text: str) -> Any:
    """Parse JSON, rejecting duplicate keys; syntax errors name the line."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise InputFileError(str(path), f"duplicate key(s) {', '.join(dupes)} in one object")
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputFileError(str(path), f"invalid JSON: {exc.msg} (column {exc.colno})",
                             line=exc.lineno) from exc


def array_lines(text: str, key: str | None, count: int) -> Sequence[int | None]:
    """Line number where each element of a JSON array starts (top-level or under `key`).

    Best effort: when the layout cannot be followed, every line is None (messages then name the
    entry number instead), so a position is never wrong, only sometimes absent.
    """
    if key is None:
        match = re.match(r"\s*\[", text)
    else:
        match = re.search(r'"' + re.escape(key) + r'"\s*:\s*\[', text)
    if match is None:
        return [None] * count
    return _walk_array(text, match.end(), count)


def _walk_array(text: str, pos: int, count: int) -> Sequence[int | None]:
    decoder = json.JSONDecoder()
    lines: list[int | None] = []
    try:
        for _ in range(count):
            pos = _skip(text, pos)
            lines.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos += 1
    except (json.JSONDecodeError, IndexError):
        return [None] * count
    return lines


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def toml_error_line(message: str) -> int | None:
    """The line number inside a tomllib error message ('... (at line 3, column 5)')."""
    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else None


def table_lines(text: str, name: str, count: int) -> Sequence[int | None]:
    """Line of each `[[name]]` array-of-tables header in a TOML text (None when not found)."""
    pattern = re.compile(r"^[ \t]*\[\[\s*" + re.escape(name) + r"\s*\]\]", re.MULTILINE)
    lines = [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]
    return lines if len(lines) == count else [None] * count
