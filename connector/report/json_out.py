"""report.json: the canonical, re-loadable form of a report (every other format derives from it)."""

from __future__ import annotations

import json
from pathlib import Path

from connector.errors import InputFileError
from connector.models import SCHEMA_VERSION, Report

from ._safe import json_escaped


def render_json(report: Report) -> str:
    """The report as indented JSON; deterministic: a reloaded report renders to the same bytes.

    Values are kept exactly; control, direction and lone-surrogate characters are written as
    JSON escapes (pydantic cannot serialise a lone surrogate, which a page or an API may hold).
    """
    try:
        text = report.model_dump_json(indent=2)
    except ValueError:  # PydanticSerializationError: a lone surrogate in some value
        text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return json_escaped(text)


def load_report(path: Path) -> Report:
    """Read a report.json written by `render_json`; raises InputFileError naming what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(str(path), f"cannot read the report: {exc.strerror}") from exc
    try:
        report = Report.model_validate_json(text)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError; no pydantic import here
        message, where = _first_error(exc)
        raise InputFileError(str(path), message, field=where) from exc
    if report.schema_version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputFileError(
            str(path),
            f"schema version {report.schema_version} is not readable by this version "
            f"(reads {SCHEMA_VERSION})",
            field="schema_version",
        )
    return report


def _first_error(exc: ValueError) -> tuple[str, str | None]:
    """The first validation problem as (message, dotted field path)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc), None
    first = errors()[0]
    return first["msg"], ".".join(str(p) for p in first["loc"]) or None
