"""action-plan.csv and summary.md: the same names as report.json, safe to open and to paste."""

from __future__ import annotations

import csv
import io
import json

from connector.models import Outcome, Report
from connector.report import (
    ACTION_PLAN_COLUMNS,
    render_action_plan,
    render_json,
    render_markdown,
)


def rows(report: Report) -> list[dict[str, str]]:
    """The action plan parsed back."""
    return list(csv.DictReader(io.StringIO(render_action_plan(report), newline="")))


def test_csv_and_json_agree_on_names(full_report: Report) -> None:
    """Every CSV row is a finding of report.json with the same key, outcome, severity, subject."""
    data = json.loads(render_json(full_report))
    by_key = {f["key"]: f for f in data["findings"]}
    plan = rows(full_report)
    assert plan
    for row in plan:
        finding = by_key[row["key"]]
        for name in ("outcome", "severity", "subject", "surface", "match_rule"):
            assert row[name] == (finding[name] or ""), name


def test_csv_holds_only_findings_needing_action(full_report: Report) -> None:
    """In-sync, pending and excepted findings are not in the plan; every other one is, once."""
    plan = rows(full_report)
    outcomes = {r["outcome"] for r in plan}
    assert not outcomes & {"in_sync", "pending", "excepted"}
    quiet = {Outcome.IN_SYNC, Outcome.PENDING, Outcome.EXCEPTED}
    assert len(plan) == sum(f.outcome not in quiet for f in full_report.findings)
    assert plan[0]["severity"] == "critical"


def test_csv_columns_are_stable_even_when_empty(empty_report: Report) -> None:
    """The header is always written, in the published column order."""
    text = render_action_plan(empty_report)
    assert text == ",".join(ACTION_PLAN_COLUMNS) + "\r\n"


def test_csv_neutralises_formulas(full_report: Report) -> None:
    """A cell that would start a spreadsheet formula is prefixed with an apostrophe."""
    finding = full_report.findings[4].model_copy(
        update={"subject": "=HYPERLINK(\"http://x\")", "message": "+1"})
    plan = rows(full_report.model_copy(update={"findings": (finding,)}))
    assert plan[0]["subject"].startswith("'=") and plan[0]["message"] == "'+1"


def test_csv_exception_owner(full_report: Report) -> None:
    """An expired exception's owner and reason are in the row that needs them."""
    plan = {r["key"]: r for r in rows(full_report)}
    row = plan["exception_expired:user_monitoring:old.vendor@acme.example"]
    assert row["owner"] == "it@acme.example" and row["exception_reason"] == "Vendor pilot"


def test_markdown_leads_with_verdict_and_reasons(inconclusive_report: Report) -> None:
    """The summary starts with the verdict and explains an inconclusive run with what to do."""
    text = render_markdown(inconclusive_report)
    assert text.startswith("## ⚠️ Tessian verification: Inconclusive")
    assert "no identity is reported as verified" in text
    assert "*What to do:*" in text and "Read 212 of 250 rows on Portal Users." in text


def test_markdown_escapes_markup(full_report: Report) -> None:
    """Subjects with HTML or table pipes cannot break the table or inject markup."""
    finding = full_report.findings[4].model_copy(
        update={"subject": "<img src=x>|a", "message": "[link](http://x)"})
    text = render_markdown(full_report.model_copy(update={"findings": (finding,)}))
    assert "<img" not in text and "&lt;img src=x&gt;\\|a" in text
    assert "\\[link\\](http://x)" in text


def test_markdown_top_findings_are_limited(full_report: Report) -> None:
    """At most ten findings are listed, most severe first, with a pointer to the rest."""
    text = render_markdown(full_report)
    assert "### Top findings (10 of 17)" in text
    table = text.split("### Top findings", 1)[1]
    assert table.index("frank@acme.example") < table.index("dave@acme.example")
    assert "action-plan.csv" in text


def test_markdown_empty_verified_is_not_a_clean_pass(empty_report: Report) -> None:
    """A verified run that checked nobody says so instead of reading as a pass."""
    assert "nothing was compared" in render_markdown(empty_report)
