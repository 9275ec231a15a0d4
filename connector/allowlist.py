"""The exceptions file: allow-listed cases with owner, reason and expiry (TOML or JSON).

TOML: one `[[exceptions]]` table per entry. JSON: `{"exceptions": [ {...}, ... ]}` or a bare list.
Keys: `email` (required), `outcome` (optional: any finding outcome), `owner`, `reason`,
`expires` (ISO-8601 with a timezone). Unknown keys, missing keys, bad values and duplicate
entries (same email and outcome) are rejected with the file, line and field. A settings file may
carry the same `[[exceptions]]` tables inline (`inline_rules`), checked the same way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connector.errors import InputFileError
from connector.inputs import (
    Where,
    array_lines,
    load_json,
    parse_datetime,
    parse_email,
    parse_text,
    read_text,
    table_lines,
    toml_error_line,
)
from connector.models import ExceptionRule, Outcome

KEYS = ("email", "outcome", "owner", "reason", "expires")
# Outcomes a person may allow-list (the others are not discrepancies).
EXCEPTABLE = tuple(o.value for o in Outcome if o not in {
    Outcome.IN_SYNC, Outcome.EXCEPTED, Outcome.EXCEPTION_EXPIRED, Outcome.UNVERIFIED})


def read_exceptions(path: Path) -> tuple[ExceptionRule, ...]:
    """Every rule of the exceptions file, validated; an empty list of entries is allowed."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.casefold() == ".json":
        entries, lines = _json_entries(path, text)
    else:
        entries, lines = _toml_entries(path, text)
    return rules_from_entries(path, entries, lines)


def rules_from_entries(
    path: Path, entries: Any, lines: Sequence[int | None] | None = None
) -> tuple[ExceptionRule, ...]:
    """Entries read from `path` (an exceptions file, or a settings file's inline
    `[[exceptions]]`) validated exactly as the exceptions file's; `lines` locate each entry."""
    if not isinstance(entries, list | tuple):
        raise Where(path).error("expected [[exceptions]] tables", "exceptions")
    places = [Where(path, line) for line in (lines or [None] * len(entries))]
    rules = [_rule(entry, where, n) for n, (entry, where) in enumerate(zip(entries, places))]
    _reject_duplicates(rules, places)
    return tuple(rules)


def inline_rules(config_file: Path, entries: Any) -> tuple[ExceptionRule, ...]:
    """A settings file's own [[exceptions]], checked as strictly as an exceptions file's."""
    count = len(entries) if isinstance(entries, list) else 0
    text = read_text(Path(config_file))
    return rules_from_entries(Path(config_file), entries, table_lines(text, "exceptions", count))


def checked_rules(value: Any) -> Any:
    """Rules given as plain entries (e.g. TESSIAN_EXCEPTIONS as JSON), checked the same way."""
    if isinstance(value, list | tuple) and not all(isinstance(v, ExceptionRule) for v in value):
        return rules_from_entries(Path("the exceptions setting"), value)
    return value


def reject_duplicate_rules(rules: Sequence[ExceptionRule], path: Path) -> None:
    """Rules gathered from several places (inline and a file) must not repeat one another."""
    _reject_duplicates(rules, [Where(path) for _ in rules])


def _toml_entries(path: Path, text: str) -> tuple[list[Any], Sequence[int | None]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(str(exc))
        raise InputFileError(str(path), f"invalid TOML: {exc}", line=line) from exc
    unknown = sorted(set(data) - {"exceptions"})
    if unknown:
        raise Where(path).error("unknown key; write entries as [[exceptions]] tables", unknown[0])
    entries = data.get("exceptions", [])
    if not isinstance(entries, list):
        raise Where(path).error("expected [[exceptions]] tables", "exceptions")
    return entries, table_lines(text, "exceptions", len(entries))


def _json_entries(path: Path, text: str) -> tuple[list[Any], Sequence[int | None]]:
    data = load_json(path, text)
    if isinstance(data, list):
        return data, array_lines(text, None, len(data))
    shaped = isinstance(data, dict) and set(data) == {"exceptions"}
    if not shaped or not isinstance(data["exceptions"], list):
        raise Where(path, 1).error('expected {"exceptions": [...]} or a list of entries')
    return data["exceptions"], array_lines(text, "exceptions", len(data["exceptions"]))


def _rule(entry: Any, where: Where, index: int) -> ExceptionRule:
    if not isinstance(entry, dict):
        raise where.error(f"entry {index + 1} is not a table/object")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise where.error(f"unknown key; allowed: {', '.join(KEYS)}", unknown[0])
    missing = [k for k in KEYS if k != "outcome" and k not in entry]
    if missing:
        raise where.error("required key is missing", missing[0])
    return ExceptionRule(
        email=parse_email(entry["email"], where, "email").casefold(),
        outcome=_outcome(entry.get("outcome"), where),
        owner=parse_text(entry["owner"], where, "owner", required=True) or "",
        reason=parse_text(entry["reason"], where, "reason", required=True) or "",
        expires=parse_datetime(entry["expires"], where, "expires"),
    )


def _outcome(value: object, where: Where) -> Outcome | None:
    if value is None:
        return None
    if value not in EXCEPTABLE:
        raise where.error(f"{value!r} cannot be allow-listed; use one of {', '.join(EXCEPTABLE)}",
                          "outcome")
    return Outcome(value)


def _reject_duplicates(rules: Sequence[ExceptionRule], places: Sequence[Where]) -> None:
    """Two entries for one address and outcome: which one wins would be a guess, so refuse."""
    seen: dict[tuple[str, str], Where] = {}
    for rule, where in zip(rules, places):
        key = (rule.email, rule.outcome.value if rule.outcome else "*")
        first = seen.setdefault(key, where)
        if first is not where:
            at = f"line {first.line}" if first.line else "an earlier entry"
            message = f"duplicate entry for {rule.email} / outcome {key[1]} (first at {at})"
            raise where.error(message, "email")
