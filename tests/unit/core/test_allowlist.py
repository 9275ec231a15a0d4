"""The exceptions file: TOML and JSON read fully; bad or duplicate entries named precisely."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.allowlist import read_exceptions
from connector.errors import InputFileError
from connector.models import Outcome

GOOD_TOML = """
[[exceptions]]
email = "Shared@X.com"
outcome = "orphan"
owner = "secops"
reason = "shared mailbox"
expires = 2026-12-31T00:00:00Z

[[exceptions]]
email = "shared@x.com"
owner = "secops"
reason = "any outcome"
expires = "2027-01-01T00:00:00+01:00"
"""


def test_toml_entries_are_read(tmp_path: Path) -> None:
    """Both entries read; emails case-folded; TOML and string date-times both accepted."""
    path = tmp_path / "exceptions.toml"
    path.write_text(GOOD_TOML)
    first, second = read_exceptions(path)
    assert (first.email, first.outcome, first.owner) == ("shared@x.com", Outcome.ORPHAN, "secops")
    assert first.expires == datetime(2026, 12, 31, tzinfo=UTC)
    assert second.outcome is None


def test_json_entries_are_read(tmp_path: Path) -> None:
    """JSON {"exceptions": [...]} works like TOML."""
    path = tmp_path / "exceptions.json"
    path.write_text(json.dumps({"exceptions": [{"email": "a@x.com", "owner": "o", "reason": "r",
                                                "expires": "2026-12-31T00:00:00Z"}]}))
    assert [r.email for r in read_exceptions(path)] == ["a@x.com"]


@pytest.mark.parametrize(("entry", "line", "field"), [
    ('email = "a@x.com"\nowner = "o"\nreason = "r"\nexpires = 2026-12-31', 2, "expires"),
    ('email = "a@x.com"\nowner = "o"\nreason = "r"\nexpires = "2026-12-31T00:00:00"', 2, "expires"),
    ('email = "a@x.com"\nowner = "o"\nexpires = 2026-12-31T00:00:00Z', 2, "reason"),
    ('email = "a@x.com"\nowner = ""\nreason = "r"\nexpires = 2026-12-31T00:00:00Z', 2, "owner"),
    ('email = "nobody"\nowner = "o"\nreason = "r"\nexpires = 2026-12-31T00:00:00Z', 2, "email"),
    ('email = "a@x.com"\noutcome = "in_sync"\nowner = "o"\nreason = "r"\nexpires = 2026-12-31T00:00:00Z',
     2, "outcome"),
    ('email = "a@x.com"\nowner = "o"\nreason = "r"\nexpires = 2026-12-31T00:00:00Z\nticket = 1', 2, "ticket"),
])
def test_bad_toml_entry_names_line_and_field(tmp_path: Path, entry: str, line: int, field: str) -> None:
    """A bad entry is rejected with the line of its [[exceptions]] header and the field."""
    path = tmp_path / "exceptions.toml"
    path.write_text("# allow-list\n[[exceptions]]\n" + entry + "\n")
    with pytest.raises(InputFileError) as caught:
        read_exceptions(path)
    assert (caught.value.line, caught.value.field) == (line, field)


def test_duplicate_entries_are_rejected(tmp_path: Path) -> None:
    """Two entries for one address and outcome: refused, naming both lines."""
    entry = '[[exceptions]]\nemail = "a@x.com"\nowner = "o"\nreason = "r"\nexpires = 2026-12-31T00:00:00Z\n'
    path = tmp_path / "exceptions.toml"
    path.write_text(entry + "\n" + entry.replace("a@x.com", "A@x.com"))
    with pytest.raises(InputFileError, match=r"duplicate entry .*first at line 1") as caught:
        read_exceptions(path)
    assert caught.value.line == 7


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """A TOML syntax error gives the line number."""
    path = tmp_path / "exceptions.toml"
    path.write_text('[[exceptions]]\nemail = "a@x.com\n')
    with pytest.raises(InputFileError) as caught:
        read_exceptions(path)
    assert caught.value.line == 2


def test_json_entry_line_is_found(tmp_path: Path) -> None:
    """A bad JSON entry names the line where the entry starts."""
    path = tmp_path / "exceptions.json"
    path.write_text('[\n  {"email": "a@x.com", "owner": "o", "reason": "r", "expires": "2026-12-31T00:00:00Z"},\n'
                    '  {"email": "b@x.com", "owner": "o", "reason": "r", "expires": "soon"}\n]\n')
    with pytest.raises(InputFileError) as caught:
        read_exceptions(path)
    assert (caught.value.line, caught.value.field) == (3, "expires")
