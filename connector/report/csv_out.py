"""action-plan.csv: one row per finding that needs action, most severe first, stable columns.

Values are the same strings report.json holds (outcome, severity, surface, subject, key), so the CSV
and the JSON never disagree on names (field lesson 22). The one exception is spreadsheet safety: a
cell that would start a formula (=, +, -, @) is prefixed with an apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
import io

from connector.models import Finding, Report

from ._format import iso, needs_action, ordered
from ._safe import visible
from ._text import OUTCOME_ACTION

COLUMNS = (
    "severity", "outcome", "subject", "surface", "action", "owner", "exception_reason",
    "exception_expires", "open_since", "overdue_at", "changed_at", "match_rule", "message", "key",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_action_plan(report: Report) -> str:
    """The findings that need action, as CSV (RFC 4180, CRLF line ends, header always present)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for finding in ordered(report.findings):
        if needs_action(finding):
            writer.writerow([_safe(v) for v in _row(finding)])
    return out.getvalue()


def _row(finding: Finding) -> list[str]:
    """The values of one row, in COLUMNS order."""
    exception = finding.exception
    return [
        str(finding.severity),
        str(finding.outcome),
        finding.subject,
        finding.surface or "",
        OUTCOME_ACTION[finding.outcome],
        exception.owner if exception else "",
        exception.reason if exception else "",
        iso(exception.expires) if exception else "",
        iso(finding.open_since),
        iso(finding.overdue_at),
        iso(finding.changed_at),
        finding.match_rule,
        finding.message,
        finding.key,
    ]


def _safe(value: str) -> str:
    """Neutralise a value a spreadsheet would run as a formula (also after leading blanks, which
    some spreadsheets skip) and show control and direction characters as escapes."""
    value = visible(value)
    formula = value.lstrip(" \t\r\n").startswith(_FORMULA_START[:4])
    return f"'{value}" if formula or value.startswith(_FORMULA_START) else value
