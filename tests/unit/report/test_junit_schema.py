"""junit.xml against the Jenkins JUnit XSD, and its `time` attributes from the read durations."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
import xmlschema

from connector.models import Collection, Report
from connector.report import render_junit

XSD = xmlschema.XMLSchema(Path(__file__).parent / "schemas" / "jenkins-junit.xsd")
# The time pattern of the Jenkins xunit plugin's junit-10.xsd (Surefire's format).
SUREFIRE_TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$")


def suite(root: ET.Element, name: str) -> ET.Element:
    """The test suite called `name`."""
    found = [s for s in root.iter("testsuite") if s.get("name") == name]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("report_name", ["full", "inconclusive", "empty"])
def test_junit_is_valid_against_the_jenkins_schema(
    report_name: str, sample_reports: dict[str, Report]
) -> None:
    """Every sample report's junit.xml validates against the Jenkins JUnit XSD."""
    XSD.validate(render_junit(sample_reports[report_name]))


def test_the_schema_rejects_a_bad_document(full_report: Report) -> None:
    """The validator is not vacuous: a suite without its `tests` count is refused."""
    root = ET.fromstring(render_junit(full_report))
    del suite(root, "run").attrib["tests"]
    assert not XSD.is_valid(ET.tostring(root, encoding="unicode"))


def test_times_come_from_the_run_and_the_reads(full_report: Report) -> None:
    """The root and run suite take the run's duration, each read case its own, and a surface
    suite the wall time of its reads; finding cases carry no time."""
    run = full_report.run
    assert run.finished_at is not None
    root = ET.fromstring(render_junit(full_report))
    whole = f"{(run.finished_at - run.started_at).total_seconds():.3f}"
    assert root.get("time") == whole == suite(root, "run").get("time")
    read = {c.get("name"): c.get("time") for c in suite(root, "run").iter("testcase")}
    assert read["read groups (dom)"] == "360.000" and read["verdict"] is None
    assert suite(root, "user_monitoring").get("time") == "360.000"  # dom and api side by side
    assert all(c.get("time") is None for c in suite(root, "portal_users").iter("testcase"))
    times = [e.get("time") for e in root.iter() if e.get("time") is not None]
    assert times and all(SUREFIRE_TIME.match(t or "") for t in times)


def test_wall_time_spans_sequential_reads(full_report: Report) -> None:
    """Two reads of one surface one after the other: the suite spans both, the cases each."""
    first = full_report.collections[0]
    assert first.started_at is not None and first.finished_at is not None
    later = first.model_copy(update={"source": "api", "started_at": first.finished_at,
                                     "finished_at": first.finished_at + timedelta(seconds=1.5)})
    report = full_report.model_copy(update={"collections": (first, later)})
    root = ET.fromstring(render_junit(report))
    assert suite(root, "user_monitoring").get("time") == "361.500"
    read = {c.get("name"): c.get("time") for c in suite(root, "run").iter("testcase")}
    assert read["read user_monitoring (api)"] == "1.500"


def test_untimed_reads_have_no_time(empty_report: Report) -> None:
    """A read without start and finish times, or a run without a finish, shows no time."""
    untimed = Collection(surface="groups", source="dom", complete=True, read_count=1)
    run = empty_report.run.model_copy(update={"finished_at": None})
    report = empty_report.model_copy(update={"collections": (untimed,), "run": run})
    root = ET.fromstring(render_junit(report))
    assert all(e.get("time") is None for e in root.iter())
    XSD.validate(render_junit(report))
