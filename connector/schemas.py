"""JSON Schemas of the snapshot and the report, generated from the models.

`python -m connector.schemas [DIR]` (re)writes `schemas/snapshot.schema.json` and
`schemas/report.schema.json`; a unit test fails when the committed files and the models differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from connector.models import SCHEMA_VERSION, Report, Snapshot

SCHEMAS: dict[str, type[BaseModel]] = {"snapshot": Snapshot, "report": Report}
BASE_ID = "https://tessian-connector.invalid/schemas"


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a serialised snapshot or report."""
    schema = SCHEMAS[name].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_ID}/{name}-{SCHEMA_VERSION}.schema.json",
        **schema,
    }


def render(name: str) -> str:
    """The schema file's exact text (stable key order, trailing newline)."""
    return json.dumps(schema_of(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema into `directory`; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = directory / f"{name}.schema.json"
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m connector.schemas [DIR]` (default: ./schemas)."""
    args = sys.argv[1:] if argv is None else argv
    for path in write_schemas(Path(args[0] if args else "schemas")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
