"""report.json: canonical JSON that reloads into the same report and re-renders identically."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.errors import InputFileError
from connector.models import Report
from connector.report import load_report, render_bundle, render_json


@pytest.mark.parametrize("name", ["full", "inconclusive", "empty"])
def test_round_trip_is_byte_for_byte(
    name: str, sample_reports: dict[str, Report], tmp_path: Path
) -> None:
    """Writing report.json, loading it and rendering it again reproduces the file exactly."""
    report = sample_reports[name]
    path = tmp_path / "report.json"
    path.write_text(render_json(report), encoding="utf-8")
    loaded = load_report(path)
    assert loaded == report
    assert render_json(loaded).encode("utf-8") == path.read_bytes()


def test_bundle_rerenders_identically_from_its_json(full_report: Report, tmp_path: Path) -> None:
    """Every file of a bundle re-rendered from its own report.json is byte-identical."""
    first = render_bundle(full_report, tmp_path / "a")
    again = render_bundle(load_report(tmp_path / "a" / "report.json"), tmp_path / "b")
    for one, two in zip(first, again, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_json_is_the_model_dump(full_report: Report) -> None:
    """report.json is exactly the model's own indented JSON (the published schema's shape)."""
    assert render_json(full_report) == full_report.model_dump_json(indent=2)


def test_load_report_names_the_bad_field(full_report: Report, tmp_path: Path) -> None:
    """A report.json with an invalid value raises InputFileError naming the file and field."""
    path = tmp_path / "report.json"
    path.write_text(render_json(full_report).replace('"drift"', '"maybe"', 1), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_report(path)
    assert caught.value.field == "verdict"
    assert str(path) in str(caught.value)


def test_load_report_rejects_unreadable_json(tmp_path: Path) -> None:
    """Truncated JSON and a missing file are InputFileErrors, not tracebacks."""
    broken = tmp_path / "report.json"
    broken.write_text('{"schema_version": "1.0", ', encoding="utf-8")
    with pytest.raises(InputFileError):
        load_report(broken)
    with pytest.raises(InputFileError, match="cannot read"):
        load_report(tmp_path / "absent.json")


def test_load_report_rejects_other_major_schema(full_report: Report, tmp_path: Path) -> None:
    """A report from an incompatible schema version is refused with a clear message."""
    path = tmp_path / "report.json"
    path.write_text(render_json(full_report.model_copy(update={"schema_version": "2.0"})),
                    encoding="utf-8")
    with pytest.raises(InputFileError, match="schema version 2.0"):
        load_report(path)
