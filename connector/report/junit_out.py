"""junit.xml: one test case per checked identity or finding, one test suite per surface.

in_sync passes; a finding at or above `policy.fail_level` fails with its message; one below it
passes with the message in system-out; unverified is an error. A `run` suite carries the verdict
and each collection's health, so an inconclusive run is never a green build (field lesson 2).

`time` (seconds): the run's duration on the root and the `run` suite, each read's duration on its
case, and the time spent reading a surface (all its sources) on that surface's suite. A finding
was not timed on its own, so its case has no `time`, nor has anything whose read was not timed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime

from connector.models import Collection, Finding, Outcome, Report

from ._format import is_failure, iso, open_for, ordered, plural
from ._safe import visible
from ._text import OUTCOME_ACTION, outcome_label, reason_text, surface_label

# Characters XML 1.0 cannot hold at all; portal text may contain them, CI parsers would choke.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SURFACE_ORDER = ("user_monitoring", "portal_users", "groups", "audit_trail", "directory_sync",
                 "api_tokens")


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8, with declaration)."""
    root = ET.Element("testsuites", name=f"tessian-connector {report.run.tenant}")
    root.append(_run_suite(report))
    for surface, findings in _by_surface(report.findings):
        root.append(_surface_suite(report, surface, findings))
    _total(root, root.findall("testsuite"))
    _set_time(root, _span(report.run.started_at, report.run.finished_at))
    _scrub(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _by_surface(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by surface, in the portal's page order (surface-less ones last)."""
    groups: dict[str, list[Finding]] = {}
    for finding in ordered(findings):
        groups.setdefault(finding.surface or "", []).append(finding)
    rank = {s: i for i, s in enumerate(SURFACE_ORDER)}
    return sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def _suite(report: Report, name: str) -> ET.Element:
    """An empty test suite carrying the run's metadata."""
    suite = ET.Element("testsuite", name=name, timestamp=iso(report.run.started_at),
                       hostname=report.run.portal_host)
    props = ET.SubElement(suite, "properties")
    for key, value in (("run_id", report.run.run_id), ("tenant", report.run.tenant),
                       ("tool_version", report.run.tool_version), ("verdict", report.verdict),
                       ("fail_level", str(report.policy.fail_level))):
        ET.SubElement(props, "property", name=key, value=value)
    return suite


def _run_suite(report: Report) -> ET.Element:
    """The verdict and collection health, as test cases of a `run` suite."""
    suite = _suite(report, "run")
    verdict = ET.SubElement(suite, "testcase", name="verdict", classname="tessian.run")
    if report.verdict == "inconclusive":
        lines = [f"{r.reason}: {reason_text(r.reason)[0]} {r.message}" for r in report.reasons]
        _child(verdict, "error", "run is inconclusive", "inconclusive", "\n".join(lines))
    elif report.verdict == "drift":
        failing = sum(1 for f in report.findings if is_failure(f, report))
        _child(verdict, "failure", f"drift: {plural(failing, 'finding')} at or above "
               f"{report.policy.fail_level}", "drift", "")
    for collection in report.collections:
        suite.append(_collection_case(collection))
    _total(suite, suite.findall("testcase"))
    _set_time(suite, _span(report.run.started_at, report.run.finished_at))
    return suite


def _collection_case(collection: Collection) -> ET.Element:
    """A read of one surface: passes when complete, errors otherwise."""
    case = ET.Element("testcase", name=f"read {collection.surface} ({collection.source})",
                      classname="tessian.collection")
    _set_time(case, _span(collection.started_at, collection.finished_at))
    if not collection.complete:
        text = "\n".join(f"{e.kind}: {e.message}" for e in collection.errors)
        expected = "?" if collection.expected_count is None else str(collection.expected_count)
        _child(case, "error", f"incomplete read: {collection.read_count} of {expected} rows",
               "incomplete_read", text)
    return case


def _surface_suite(report: Report, surface: str, findings: list[Finding]) -> ET.Element:
    """One suite per surface, one case per finding (names made unique within the suite)."""
    suite = _suite(report, surface or "run findings")
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.subject] = seen.get(finding.subject, 0) + 1
    for finding in findings:
        name = finding.subject if seen[finding.subject] == 1 else (
            f"{finding.subject} [{finding.outcome}]")
        suite.append(_finding_case(report, finding, name, surface))
    _total(suite, suite.findall("testcase"))
    _set_time(suite, _read_time(report, surface))
    return suite


def _read_time(report: Report, surface: str) -> float | None:
    """Wall-clock seconds reading `surface`: first start to last finish of its timed reads (two
    sources read side by side are not counted twice); None when no read of it was timed."""
    timed = [c for c in report.collections
             if c.surface == surface and c.started_at and c.finished_at]
    if not timed:
        return None
    return _span(min(c.started_at for c in timed if c.started_at),
                 max(c.finished_at for c in timed if c.finished_at))


def _span(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from `start` to `end` (never negative: clocks step), None if either is unknown."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def _set_time(element: ET.Element, seconds: float | None) -> None:
    """`time` in seconds with millisecond precision (digits and a dot: the Surefire pattern)."""
    if seconds is not None:
        element.set("time", f"{seconds:.3f}")


def _finding_case(report: Report, finding: Finding, name: str, surface: str) -> ET.Element:
    """A finding as a test case: pass, failure, error, or pass with system-out."""
    case = ET.Element("testcase", name=name, classname=f"tessian.{surface or 'run'}")
    details = _details(report, finding)
    if finding.outcome == Outcome.UNVERIFIED:
        _child(case, "error", finding.message, str(finding.outcome), details)
    elif is_failure(finding, report):
        _child(case, "failure", finding.message, str(finding.outcome), details)
    elif finding.outcome != Outcome.IN_SYNC:
        ET.SubElement(case, "system-out").text = f"{finding.message}\n{details}"
    return case


def _details(report: Report, finding: Finding) -> str:
    """The finding's facts, one per line, for a failure body or system-out."""
    lines = [
        f"outcome: {finding.outcome} ({outcome_label(finding.outcome)})",
        f"severity: {finding.severity}",
        f"surface: {surface_label(finding.surface)}",
        f"match rule: {finding.match_rule}",
        f"changed at: {iso(finding.changed_at)}" if finding.changed_at else "",
        f"overdue at: {iso(finding.overdue_at)}" if finding.overdue_at else "",
        open_for(finding, report),
        f"exception: {finding.exception.owner}: {finding.exception.reason} "
        f"(expires {iso(finding.exception.expires)})" if finding.exception else "",
        f"what to do: {OUTCOME_ACTION[finding.outcome]}",
    ]
    return "\n".join(line for line in lines if line)


def _child(parent: ET.Element, tag: str, message: str, kind: str, text: str) -> None:
    """Add a failure/error element with a message, a type and a body."""
    element = ET.SubElement(parent, tag, message=message, type=kind)
    element.text = text


def _total(element: ET.Element, parts: list[ET.Element]) -> None:
    """Set tests/failures/errors(/skipped) on a suite (from cases) or the root (from suites)."""
    if element.tag == "testsuites":
        # No `skipped` here: the Jenkins JUnit schema defines it on testsuite only.
        for attr in ("tests", "failures", "errors"):
            element.set(attr, str(sum(int(p.get(attr, "0")) for p in parts)))
        return
    element.set("tests", str(len(parts)))
    element.set("failures", str(sum(1 for p in parts if p.find("failure") is not None)))
    element.set("errors", str(sum(1 for p in parts if p.find("error") is not None)))
    element.set("skipped", "0")



def _scrub(root: ET.Element) -> None:
    """Show control and direction characters as escapes (CI logs print these texts), then
    replace any character XML cannot represent (in text and attributes) with U+FFFD."""
    for element in root.iter():
        if element.text:
            element.text = _NOT_XML.sub("\ufffd", visible(element.text))
        for key, value in element.attrib.items():
            element.set(key, _NOT_XML.sub("\ufffd", visible(value)))
