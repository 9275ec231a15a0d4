"""ocsf.json: the run's findings as OCSF 1.4.0 Compliance Finding events (class 2003).

The file is one JSON array, one compact event per line, so it is valid JSON and also easy for a
log shipper (`jq -c '.[]' ocsf.json` gives JSON Lines). Each finding is one event, in report
order; an in_sync finding is a passed check, except in an inconclusive run, which vouches for
nobody and so has no passes. `finding_info.uid` is `<tenant>:<finding key>`, stable across runs
so a SIEM can follow one finding over time; `metadata.uid` is unique per run and finding.
What OCSF has no attribute for (surface, match rule, exception, evidence paths, verdict) is in
`unmapped`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.models import Finding, Outcome, Report, Severity

from ._format import is_failure, iso, ordered
from ._safe import json_escaped
from ._text import OUTCOME_ACTION, outcome_label, surface_label

OCSF_VERSION = "1.4.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_CREATE = 2003, 2, 1
PRODUCT = "tessian-connector"
STANDARD = "Tessian matches the identity provider (tessian-connector)"
SEVERITY_ID: dict[Severity, tuple[int, str]] = {
    Severity.CRITICAL: (5, "Critical"), Severity.HIGH: (4, "High"),
    Severity.MEDIUM: (3, "Medium"), Severity.LOW: (2, "Low"),
    Severity.INFO: (1, "Informational"), Severity.PASS: (1, "Informational"),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Event = dict[str, Any]


def render_ocsf(report: Report) -> str:
    """The report's findings as a JSON array of OCSF events, one per line (deterministic)."""
    events = [ocsf_event(report, f) for f in ordered(report.findings) if _reported(report, f)]
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
    return json_escaped("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")


def _reported(report: Report, finding: Finding) -> bool:
    """Every finding, but no pass from a run that could not verify anything."""
    return not (finding.outcome == Outcome.IN_SYNC and report.verdict == "inconclusive")


def ocsf_event(report: Report, finding: Finding) -> Event:
    """One finding as a Compliance Finding event."""
    severity_id, severity = SEVERITY_ID[finding.severity]
    suppressed = finding.outcome == Outcome.EXCEPTED
    return {
        "activity_id": ACTIVITY_CREATE, "activity_name": "Create",
        "category_uid": CATEGORY_UID, "category_name": "Findings",
        "class_uid": CLASS_UID, "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE, "type_name": "Compliance Finding: Create",
        "severity_id": severity_id, "severity": severity,
        "status_id": 3 if suppressed else 1, "status": "Suppressed" if suppressed else "New",
        "time": _ms(report.evaluated_at),
        "message": finding.message,
        "metadata": _metadata(report, finding),
        "finding_info": _finding_info(report, finding),
        "compliance": _compliance(report, finding),
        "resources": [_resource(finding)],
        "remediation": {"desc": OUTCOME_ACTION[finding.outcome]},
        "unmapped": _unmapped(report, finding),
    }


def _metadata(report: Report, finding: Finding) -> Event:
    run = report.run
    return {
        "version": OCSF_VERSION,
        "product": {"name": PRODUCT, "vendor_name": PRODUCT, "version": run.tool_version},
        "uid": f"{run.run_id}:{finding.key}",
        "correlation_uid": run.run_id,
        "tenant_uid": run.tenant,
    }


def _finding_info(report: Report, finding: Finding) -> Event:
    info: Event = {
        "uid": f"{report.run.tenant}:{finding.key}",
        "title": f"{outcome_label(finding.outcome)}: {finding.subject}",
        "desc": finding.message,
        "types": [str(finding.outcome)],
        "last_seen_time": _ms(report.evaluated_at),
    }
    if finding.open_since is not None:
        info["first_seen_time"] = _ms(finding.open_since)
    return info


def _compliance(report: Report, finding: Finding) -> Event:
    """Pass (in sync), Warning (could not be checked), Fail (at or above the fail level), or
    Other with the outcome's name (pending, allow-listed, below the fail level)."""
    if finding.outcome == Outcome.IN_SYNC:
        status_id, status = 1, "Pass"
    elif finding.outcome == Outcome.UNVERIFIED:
        status_id, status = 2, "Warning"
    elif is_failure(finding, report):
        status_id, status = 3, "Fail"
    else:
        status_id, status = 99, outcome_label(finding.outcome)
    return {"standards": [STANDARD], "control": str(finding.outcome), "status_id": status_id,
            "status": status, "status_detail": finding.message}


def _resource(finding: Finding) -> Event:
    """The account the finding is about, on the portal page it was seen."""
    kind = f"Tessian {surface_label(finding.surface)} account" if finding.surface else "Tessian"
    return {"type": kind, "uid": finding.subject, "name": finding.subject}


def _unmapped(report: Report, finding: Finding) -> Event:
    """The connector's own facts, left out when empty."""
    facts: Event = {
        "verdict": report.verdict, "portal_host": report.run.portal_host,
        "surface": finding.surface, "match_rule": finding.match_rule,
        "identity_id": finding.identity_id,
        "original_outcome": str(finding.original_outcome) if finding.original_outcome else None,
        "changed_at": iso(finding.changed_at) or None,
        "overdue_at": iso(finding.overdue_at) or None,
        "delay_s": _seconds(finding.delay), "evidence": list(finding.evidence) or None,
        "details": dict(sorted(finding.details.items())) or None,
    }
    if finding.exception is not None:
        rule = finding.exception
        facts["exception"] = {"owner": rule.owner, "reason": rule.reason,
                              "expires": iso(rule.expires)}
    return {key: value for key, value in facts.items() if value is not None}


def _ms(moment: datetime) -> int:
    """OCSF timestamps: whole milliseconds since the Unix epoch (integer arithmetic, exact)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds()
