"""The published JSON Schemas equal the models' and validate what evaluation writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from connector.models import ExceptionRule, Outcome, Policy
from connector.reconcile import evaluate
from connector.schemas import SCHEMAS, main, render

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_matches_the_models(name: str) -> None:
    """schemas/<name>.schema.json is exactly what the models generate (run python -m connector.schemas)."""
    committed = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == render(name), "stale schema: run `python -m connector.schemas`"


def test_generator_writes_both_files(tmp_path: Path) -> None:
    """The module entry point writes one file per schema into the given folder."""
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.schema.json", "snapshot.schema.json"]


def test_snapshot_and_report_validate_against_their_schemas(build) -> None:  # noqa: ANN001
    """A realistic snapshot and its report, serialised, are valid instances of the schemas."""
    snapshot = build.snapshot([build.identity("a@x.com", aliases=["b@x.com"]),
                               build.identity("c@x.com", active=False)],
                              [build.row("a@x.com", created_ago=None), build.row("z@x.com")],
                              [build.account("c@x.com")])
    rule = ExceptionRule(email="z@x.com", outcome=Outcome.ORPHAN, owner="o", reason="r",
                         expires=build.now)
    report = evaluate(snapshot, Policy(exceptions=(rule,)))
    for name, instance in (("snapshot", snapshot), ("report", report)):
        schema = json.loads(render(name))
        jsonschema.validate(json.loads(instance.model_dump_json()), schema,
                            format_checker=jsonschema.FormatChecker())
