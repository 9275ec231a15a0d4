"""junit.xml: valid XML, one case per finding, right counts, outcome -> pass/failure/error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from connector.models import Outcome, Report, Severity
from connector.report import render_junit


def cases(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    """Test cases by (suite name, case name)."""
    return {(s.get("name", ""), c.get("name", "")): c
            for s in root.iter("testsuite") for c in s.iter("testcase")}


def test_counts_add_up(full_report: Report) -> None:
    """Every suite's tests/failures/errors match its cases, and the root sums the suites."""
    root = ET.fromstring(render_junit(full_report))
    for suite in root.iter("testsuite"):
        found = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(found)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in found)
        assert int(suite.get("errors", "-1")) == sum(c.find("error") is not None for c in found)
    for attr in ("tests", "failures", "errors"):
        total = sum(int(s.get(attr, "0")) for s in root.iter("testsuite"))
        assert int(root.get(attr, "-1")) == total


def test_one_case_per_finding_one_suite_per_surface(full_report: Report) -> None:
    """Each finding is one case, in the suite named after its surface."""
    root = ET.fromstring(render_junit(full_report))
    suites = {s.get("name") for s in root.iter("testsuite")}
    assert suites == {"run", "user_monitoring", "portal_users", "api_tokens", "audit_trail",
                      "directory_sync"}
    finding_cases = [c for s in root.iter("testsuite") if s.get("name") != "run"
                     for c in s.iter("testcase")]
    assert len(finding_cases) == len(full_report.findings)


def test_outcomes_map_to_results(full_report: Report) -> None:
    """in_sync passes, high findings fail, unverified errors, info findings pass with output."""
    found = cases(ET.fromstring(render_junit(full_report)))
    assert list(found[("user_monitoring", "alice@acme.example")]) == []
    failure = found[("portal_users", "frank@acme.example")].find("failure")
    assert failure is not None and failure.get("type") == "access_retained"
    assert "Suspended in Okta" in (failure.get("message") or "")
    assert found[("portal_users", "ivan@acme.example")].find("error") is not None
    pending = found[("user_monitoring", "new.starter@acme.example")]
    assert pending.find("failure") is None and pending.find("error") is None
    assert "Assigned 3 h ago" in (pending.findtext("system-out") or "")


def test_fail_level_decides_failure(full_report: Report) -> None:
    """Raising the fail level to high turns medium findings into passes with system-out."""
    policy = full_report.policy.model_copy(update={"fail_level": Severity.HIGH})
    found = cases(ET.fromstring(render_junit(full_report.model_copy(update={"policy": policy}))))
    orphan = found[("user_monitoring", "shared-mailbox@acme.example")]
    assert orphan.find("failure") is None and orphan.findtext("system-out")
    assert found[("user_monitoring", "dave@acme.example")].find("failure") is not None


def test_duplicate_subjects_get_distinct_names(full_report: Report) -> None:
    """Two findings for one address in one suite get names that tell them apart."""
    suites = list(ET.fromstring(render_junit(full_report)).iter("testsuite"))
    per_suite = [[c.get("name") for c in s.iter("testcase")] for s in suites]
    names = [n for suite in per_suite for n in suite]
    assert "old.vendor@acme.example [not_removed]" in names
    assert "old.vendor@acme.example [exception_expired]" in names
    assert "frank@acme.example [own_token_leaver]" in names  # two token findings, one address
    assert all(len(suite) == len(set(suite)) for suite in per_suite)


def test_inconclusive_run_is_an_error(inconclusive_report: Report) -> None:
    """An inconclusive run errors on the verdict and on each incomplete read (never green)."""
    found = cases(ET.fromstring(render_junit(inconclusive_report)))
    verdict = found[("run", "verdict")].find("error")
    assert verdict is not None and "count_mismatch" in (verdict.text or "")
    read = found[("run", "read portal_users (dom)")].find("error")
    assert read is not None and "212 of 250" in (read.get("message") or "")
    assert list(found[("run", "read user_monitoring (dom)")]) == []


def test_empty_report_is_valid(empty_report: Report) -> None:
    """A report with nothing in it still yields a valid document with a passing verdict case."""
    root = ET.fromstring(render_junit(empty_report))
    assert root.get("tests") == "1" and root.get("failures") == "0"


def test_hostile_text_stays_data(full_report: Report) -> None:
    """Markup and control-ish characters in a subject survive as text, the XML stays valid."""
    hostile = full_report.findings[4].model_copy(
        update={"subject": '<script>"&\'</script>', "outcome": Outcome.MISSING})
    report = full_report.model_copy(update={"findings": (hostile,)})
    text = render_junit(report)
    assert "<script>" not in text
    names = [c.get("name") for c in ET.fromstring(text).iter("testcase")]
    assert '<script>"&\'</script>' in names


def test_control_characters_keep_the_xml_valid(full_report: Report) -> None:
    """Characters XML 1.0 forbids are shown as escapes, so CI parsers still read the file."""
    odd = full_report.findings[4].model_copy(
        update={"subject": "bell\x07@acme.example", "message": "nul\x00 and esc\x1b"})
    root = ET.fromstring(render_junit(full_report.model_copy(update={"findings": (odd,)})))
    names = [c.get("name") for c in root.iter("testcase")]
    assert "bell\\x07@acme.example" in names
