"""ocsf.json: OCSF 1.4.0 Compliance Findings that validate against the class's schema."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ocsf.v1_4_0.events import ComplianceFinding

from connector.models import Outcome, Report
from connector.report import render_ocsf

from .ocsf_schema import event_schema

GOLDEN = Path(__file__).parent / "golden"


@cache
def validator() -> jsonschema.Draft202012Validator:
    """A validator of OCSF 1.4.0 Compliance Finding events (compiled once)."""
    schema = event_schema("1.4.0", "compliance_finding")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def events(report: Report) -> list[dict[str, Any]]:
    """The events of a report's ocsf.json."""
    parsed = json.loads(render_ocsf(report))
    assert isinstance(parsed, list)
    return parsed


@pytest.mark.parametrize("report_name", ["full", "inconclusive", "empty"])
def test_ocsf_matches_golden(report_name: str, sample_reports: dict[str, Report]) -> None:
    """Each sample report renders exactly as its reviewed ocsf.json golden file."""
    rendered = render_ocsf(sample_reports[report_name])
    golden = GOLDEN / report_name / "ocsf.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered.encode("utf-8"))
    assert golden.exists(), f"no golden {golden}: run with UPDATE_GOLDEN=1 and review it"
    assert rendered.encode("utf-8") == golden.read_bytes()


@pytest.mark.parametrize("report_name", ["full", "inconclusive"])
def test_every_event_validates(report_name: str, sample_reports: dict[str, Report]) -> None:
    """Every event is a valid Compliance Finding, by the compiled schema and by pydantic-ocsf."""
    found = events(sample_reports[report_name])
    assert found
    for event in found:
        validator().validate(event)
        ComplianceFinding.model_validate(event)


@pytest.mark.parametrize(("change", "why"), [
    ({"class_uid": 2004}, "another class"),
    ({"severity_id": 7}, "no such severity"),
    ({"time": "2026-11-27T12:00:00Z"}, "time is milliseconds"),
    ({"finding_info": {"title": "no uid"}}, "finding_info.uid is required"),
    ({"compliance": {"status_id": 3}}, "compliance.standards is required"),
    ({"verdict": "drift"}, "not an attribute of the class"),
    ({"metadata": {"version": "1.4.0", "product": {"name": "x"}, "tenant": "acme"}},
     "not an attribute of metadata"),
])
def test_the_validator_rejects_bad_events(full_report: Report, change: dict[str, Any],
                                          why: str) -> None:
    """The schema is not vacuous: a wrong class, enum, type, missing or unknown field fails."""
    event = {**events(full_report)[0], **change}
    assert not validator().is_valid(event), why
    missing = dict(events(full_report)[0])
    del missing["type_uid"]
    assert not validator().is_valid(missing)


def test_mapping_of_one_finding(full_report: Report) -> None:
    """Severity, status, stable uid, time, metadata and the resource follow the finding."""
    by_uid = {e["finding_info"]["uid"]: e for e in events(full_report)}
    frank = by_uid["acme:access_retained:portal_users:frank@acme.example"]
    assert (frank["severity_id"], frank["severity"]) == (5, "Critical")
    assert (frank["status_id"], frank["compliance"]["status"]) == (1, "Fail")
    assert frank["time"] == int(full_report.evaluated_at.timestamp()) * 1000
    assert frank["metadata"]["product"] == {"name": "tessian-connector",
                                            "vendor_name": "tessian-connector",
                                            "version": "0.1.0"}
    assert frank["metadata"]["correlation_uid"] == full_report.run.run_id
    assert frank["resources"] == [{"type": "Tessian Portal Users account",
                                   "uid": "frank@acme.example", "name": "frank@acme.example"}]
    excepted = by_uid["acme:excepted:portal_users:break.glass@acme.example"]
    assert excepted["status"] == "Suppressed" and excepted["unmapped"]["exception"]["owner"]
    alice = by_uid["acme:in_sync:user_monitoring:alice@acme.example"]
    assert alice["compliance"]["status_id"] == 1 and alice["severity_id"] == 1
    ivan = by_uid["acme:unverified:portal_users:ivan@acme.example"]
    assert ivan["compliance"]["status"] == "Warning"


def test_one_event_per_finding_and_no_passes_when_inconclusive(
    full_report: Report, inconclusive_report: Report
) -> None:
    """Every finding is one event; an inconclusive run reports no in_sync finding as a pass."""
    assert len(events(full_report)) == len(full_report.findings)
    passed = next(f for f in full_report.findings if f.outcome == Outcome.IN_SYNC)
    unsure = inconclusive_report.model_copy(update={
        "findings": (*inconclusive_report.findings, passed)})
    uids = [e["finding_info"]["uid"] for e in events(unsure)]
    assert len(uids) == len(inconclusive_report.findings)
    assert not any(":in_sync:" in uid for uid in uids)


def test_empty_report_is_an_empty_array(empty_report: Report) -> None:
    """A report without findings is `[]`, still valid JSON."""
    assert render_ocsf(empty_report) == "[]\n"


def test_hostile_text_stays_valid(full_report: Report) -> None:
    """Control and direction characters in portal text are escaped; the event still validates."""
    odd = full_report.findings[0].model_copy(update={"message": "a\x1b[31m\u202eb\ud800"})
    text = render_ocsf(full_report.model_copy(update={"findings": (odd,)}))
    assert "\x1b" not in text and "\u202e" not in text
    event = json.loads(text)[0]
    assert event["message"] == "a\x1b[31m\u202eb\ufffd"
    validator().validate(event)
