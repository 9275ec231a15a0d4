"""The identity export reader: every valid form read fully, every malformed one named precisely."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.errors import InputFileError
from connector.idp.files import read_identity_file

HEADER = "id,email,display_name,aliases,active,protected,portal_access,changed_at,provisioning_error"


def _csv(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "identities.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_csv_reads_every_field(tmp_path: Path) -> None:
    """All columns land in the Identity: aliases split on ';', booleans, aware change time."""
    path = _csv(tmp_path, "u1,Ann@X.com,Ann A,ann.a@x.com; a@old.com,yes,1,TRUE,2026-11-27T10:00:00+01:00,",
                "u2,bob@x.com,,,no,0,false,,SYNC ERROR")
    source = read_identity_file(path)
    ann, bob = source.identities
    assert (source.kind, source.complete, source.location) == ("file", True, str(path))
    assert (ann.id, ann.email, ann.display_name, ann.aliases) == ("u1", "Ann@X.com", "Ann A",
                                                                  ("ann.a@x.com", "a@old.com"))
    assert (ann.active, ann.protected, ann.portal_access) == (True, True, True)
    assert ann.changed_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert (bob.active, bob.protected, bob.display_name, bob.changed_at) == (False, False, None, None)
    assert bob.provisioning_error == "SYNC ERROR"


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    """changed_at and provisioning_error are optional columns."""
    path = _csv(tmp_path, "u1,a@x.com,,,true,true,false",
                header="id,email,display_name,aliases,active,protected,portal_access")
    assert read_identity_file(path).identities[0].changed_at is None


def test_json_reads_the_same_keys(tmp_path: Path) -> None:
    """JSON: {"identities": [...]} with aliases as a list."""
    path = tmp_path / "ids.json"
    path.write_text(json.dumps({"identities": [
        {"id": "u1", "email": "a@x.com", "aliases": ["b@x.com"], "active": True, "protected": False,
         "portal_access": True, "changed_at": "2026-11-27T10:00:00Z"}]}))
    (ident,) = read_identity_file(path).identities
    assert (ident.aliases, ident.protected, ident.portal_access) == (("b@x.com",), False, True)


def test_json_written_by_expected_round_trips(tmp_path: Path) -> None:
    """An IdentitySource dump (what `expected --out` writes) reads back, incompleteness kept."""
    original = read_identity_file(_csv(tmp_path, "u1,a@x.com,A,b@x.com,true,true,false,,"))
    dumped = json.loads(original.model_dump_json())
    dumped.update(complete=False, errors=["page 2 failed"], warnings=["assignment gates nothing"])
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(dumped, indent=2))
    again = read_identity_file(path)
    assert again.identities == original.identities
    assert (again.complete, again.errors) == (False, ("page 2 failed",))
    assert again.warnings == ("assignment gates nothing",)


@pytest.mark.parametrize(("lines", "header", "where", "field"), [
    (["u1,a@x.com,,,maybe,true,false,,"], HEADER, ":2", "active"),
    (["u1,a@x.com,,,true,true,false,yesterday,"], HEADER, ":2", "changed_at"),
    (["u1,a@x.com,,,true,true,false,2026-11-27T10:00:00,"], HEADER, ":2", "changed_at"),
    (["u1,not-an-email,,,true,true,false,,"], HEADER, ":2", "email"),
    (["u1,a@x.com,,bad alias,true,true,false,,"], HEADER, ":2", "aliases"),
    (["u1,a@x.com,,,true,true,false,,", "u1,b@x.com,,,true,true,false,,"], HEADER, ":3", "id"),
    (["u1,a@x.com,,,true,true,false,,", "u2,A@X.COM,,,true,true,false,,"], HEADER, ":3", "email"),
    ([",a@x.com,,,true,true,false,,"], HEADER, ":2", "id"),
    (["u1,a@x.com,,,true,true,false,,,extra"], HEADER, ":2", None),
    (["u1,a@x.com,,,true"], HEADER, ":2", "protected"),
    (["u1,a@x.com,,,true,true,false,,"], HEADER + ",department", ":1", "department"),
    (["u1,a@x.com,,true,true,false"], "id,email,aliases,active,protected,portal_access", ":1", "display_name"),
    ([], HEADER, ":1", None),
])
def test_csv_errors_name_line_and_field(tmp_path: Path, lines: list[str], header: str, where: str,
                                        field: str | None) -> None:
    """Each malformed CSV is rejected, naming the file, the line and (when there is one) the field."""
    path = _csv(tmp_path, *lines, header=header)
    with pytest.raises(InputFileError) as caught:
        read_identity_file(path)
    assert str(caught.value).startswith(f"{path}{where}: ")
    assert caught.value.field == field


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    """An empty export is an error, never 'nobody should be protected'."""
    path = tmp_path / "empty.csv"
    path.write_text("\n")
    with pytest.raises(InputFileError, match="empty"):
        read_identity_file(path)


@pytest.mark.parametrize(("text", "line", "field"), [
    ('{"identities": [\n  {"id": "u1", "email": "a@x.com", "active": true, "protected": true},\n'
     '  {"id": "u2", "email": "b@x.com", "active": "sure", "protected": true}\n]}', 3, "active"),
    ('{"identities": [\n  {"id": "u1", "email": "a@x.com", "active": true, "protected": true, "x": 1}\n]}',
     2, "x"),
    ('{"identities": [\n  {"id": "u1", "email": "a@x.com", "active": true}\n]}', 2, "protected"),
    ('{"identities": [\n  {"id": "u1", "email": "a@x.com", "id": "u2", "active": true}\n]}', None, None),
    ('{"identities": [\n  {"id": "u1",, }\n]}', 2, None),
    ('{"identities": []}', 1, "identities"),
    ('{"people": []}', 1, None),
])
def test_json_errors_name_line_and_field(tmp_path: Path, text: str, line: int | None, field: str | None) -> None:
    """Each malformed JSON export is rejected with its line (where known) and field."""
    path = tmp_path / "ids.json"
    path.write_text(text)
    with pytest.raises(InputFileError) as caught:
        read_identity_file(path)
    assert (caught.value.line, caught.value.field) == (line, field)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A path that does not exist is a configuration error naming the path."""
    with pytest.raises(InputFileError, match="cannot read"):
        read_identity_file(tmp_path / "nope.csv")
