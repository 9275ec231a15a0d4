"""Identities from an export file: CSV or JSON, validated strictly (file, line, field).

CSV: a header row with the columns `id,email,display_name,aliases,active,protected,portal_access`
and optionally `changed_at,provisioning_error`; `aliases` is semicolon-separated; booleans are
true/false/yes/no/1/0; `changed_at` is ISO-8601 with a timezone. JSON: `{"identities": [...]}`
with the same keys (aliases as a list); the output of `tessian-connector expected` (an
IdentitySource) is accepted too, so an export can be fed back in unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.errors import InputFileError
from connector.inputs import (
    Where,
    array_lines,
    load_json,
    parse_bool,
    parse_datetime,
    parse_email,
    parse_text,
    read_text,
)
from connector.models import Identity, IdentitySource, utc_now

REQUIRED = ("id", "email", "display_name", "aliases", "active", "protected", "portal_access")
OPTIONAL = ("changed_at", "provisioning_error")
_JSON_OPTIONAL = ("source", "details")  # what `expected` writes besides the CSV columns
_EXTRA = "\0extra"  # csv.DictReader's key for values beyond the header
_SOURCE_KEYS = {"identities", "kind", "location", "complete", "errors", "warnings", "read_at"}


def read_identity_file(path: Path) -> IdentitySource:
    """Read a CSV or JSON identity export into an IdentitySource (kind 'file', complete)."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.casefold() == ".json" or text.lstrip().startswith("{"):
        identities, health = _from_json(path, text)
    else:
        identities, health = _from_csv(path, text), {}
    _reject_duplicates(path, identities)
    return IdentitySource(kind="file", location=str(path),
                          identities=tuple(i for i, _ in identities), read_at=utc_now(),
                          **{"complete": True, **health})


# --- CSV -------------------------------------------------------------------------------------


def _from_csv(path: Path, text: str) -> list[tuple[Identity, Where]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=_EXTRA)
    _check_header(path, reader.fieldnames or [])
    found: list[tuple[Identity, Where]] = []
    for row in reader:
        where = Where(path, reader.line_num)
        if _EXTRA in row:
            raise where.error(f"{len(row[_EXTRA])} more value(s) than there are columns")
        missing = [k for k, v in row.items() if v is None]
        if missing:
            raise where.error("fewer values than there are columns", missing[0])
        values = dict(row, aliases=[a for a in (row.get("aliases") or "").split(";") if a.strip()])
        found.append((_identity(values, where), where))
    if not found:
        raise InputFileError(str(path), "the file lists no identities", line=1)
    return found


def _check_header(path: Path, header: Sequence[str]) -> None:
    where = Where(path, 1)
    names = [h.strip() for h in header]
    if not names:
        raise where.error("the file is empty (no header row)")
    unknown = [n for n in names if n not in REQUIRED + OPTIONAL]
    if unknown:
        raise where.error(f"unknown column; allowed: {', '.join(REQUIRED + OPTIONAL)}", unknown[0])
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise where.error("column appears twice", duplicated[0])
    absent = [n for n in REQUIRED if n not in names]
    if absent:
        raise where.error("required column is missing", absent[0])
    if list(header) != names:
        spaced = next(h for h in header if h != h.strip())
        raise where.error("column names must not carry spaces", spaced)


# --- JSON ------------------------------------------------------------------------------------


def _from_json(path: Path, text: str) -> tuple[list[tuple[Identity, Where]], dict[str, Any]]:
    """Identities, and the health an exported source recorded (complete, errors, warnings)."""
    data = load_json(path, text)
    where = Where(path, 1)
    if not isinstance(data, dict) or "identities" not in data:
        raise where.error('expected an object with an "identities" list')
    unknown = sorted(set(data) - _SOURCE_KEYS)
    if unknown:
        raise where.error(f"unknown key; allowed: {', '.join(sorted(_SOURCE_KEYS))}", unknown[0])
    items = data["identities"]
    if not isinstance(items, list):
        raise where.error("expected a list", "identities")
    if not items:
        raise where.error("the file lists no identities", "identities")
    lines = array_lines(text, "identities", len(items))
    found = [_json_item(path, item, n, line) for n, (item, line) in enumerate(zip(items, lines), 1)]
    health = {"complete": _json_complete(data, where),
              "errors": _json_strings(data, where, "errors"),
              "warnings": _json_strings(data, where, "warnings")}
    return found, health


def _json_item(path: Path, item: Any, number: int, line: int | None) -> tuple[Identity, Where]:
    where = Where(path, line)
    label = f"identities[{number - 1}]"
    if not isinstance(item, dict):
        raise where.error("expected an object", label)
    unknown = sorted(set(item) - set(REQUIRED + OPTIONAL + _JSON_OPTIONAL))
    if unknown:
        raise where.error(f"unknown key in {label}", unknown[0])
    absent = [k for k in ("id", "email", "active", "protected") if k not in item]
    if absent:
        raise where.error(f"required key is missing in {label}", absent[0])
    if not isinstance(item.get("aliases", []), list):
        raise where.error("expected a list of addresses", "aliases")
    return _identity(item, where), where


def _json_complete(data: Mapping[str, Any], where: Where) -> bool:
    """An exported source that says it was incomplete stays incomplete."""
    complete = data.get("complete", True)
    if not isinstance(complete, bool):
        raise where.error("expected true or false", "complete")
    return complete


def _json_strings(data: Mapping[str, Any], where: Where, key: str) -> tuple[str, ...]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(e, str) for e in values):
        raise where.error("expected a list of strings", key)
    return tuple(values)


# --- Shared ----------------------------------------------------------------------------------


def _identity(values: Mapping[str, Any], where: Where) -> Identity:
    details = values.get("details") or {}
    if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
        raise where.error("expected an object of strings", "details")
    return Identity(
        id=parse_text(values.get("id"), where, "id", required=True) or "",
        email=parse_email(values.get("email"), where, "email"),
        display_name=parse_text(values.get("display_name"), where, "display_name", required=False),
        aliases=tuple(parse_email(a, where, "aliases") for a in values.get("aliases") or ()),
        active=parse_bool(values.get("active"), where, "active"),
        protected=parse_bool(values.get("protected"), where, "protected"),
        portal_access=_optional_bool(values, where, "portal_access"),
        changed_at=_changed_at(values.get("changed_at"), where),
        provisioning_error=parse_text(values.get("provisioning_error"), where,
                                      "provisioning_error", required=False),
        source="file",
        details=details,
    )


def _changed_at(value: object, where: Where) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_datetime(value, where, "changed_at")


def _optional_bool(values: Mapping[str, Any], where: Where, field: str) -> bool:
    value = values.get(field)
    return False if value is None else parse_bool(value, where, field)


def _reject_duplicates(path: Path, identities: Sequence[tuple[Identity, Where]]) -> None:
    """Two rows with one id or one (case-folded) email are an export error, not a guess."""
    seen: dict[tuple[str, str], Where] = {}
    for identity, where in identities:
        for field, value in (("id", identity.id), ("email", identity.email.strip().casefold())):
            first = seen.setdefault((field, value), where)
            if first is not where:
                at = f"line {first.line}" if first.line else "an earlier entry"
                raise where.error(f"duplicate {field} {value!r} (first at {at})", field)
