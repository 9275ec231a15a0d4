"""The 'Since the last run' section of summary.md and report.html."""

from __future__ import annotations

from connector.models import Changes, Outcome, Report
from connector.report import render_html, render_markdown
from connector.report._changes import TOP_CHANGES

from .conftest import change


def _with(report: Report, changes: Changes) -> Report:
    return report.model_copy(update={"changes": changes})


def test_first_run_says_there_was_nothing_to_compare(empty_report: Report) -> None:
    """A first run states plainly that every finding is new, instead of a comparison."""
    report = _with(empty_report, Changes(basis="no_previous_run", verdict_after="verified"))
    assert "First run for this tenant: nothing to compare with" in render_markdown(report)
    assert "First run for this tenant" in render_html(report)


def test_uncomputed_changes_show_no_section(empty_report: Report) -> None:
    """A report evaluated before changes existed (basis not_computed) shows no section at all."""
    assert "Since the last run" not in render_markdown(empty_report)
    assert "Since the last run" not in render_html(empty_report)


def test_long_change_lists_are_cut_with_a_pointer(empty_report: Report) -> None:
    """More changes than the section shows: the rest is counted and pointed to."""
    many = tuple(change(Outcome.ORPHAN, f"u{i}@x.example", "user_monitoring", "orphan")
                 for i in range(TOP_CHANGES + 3))
    report = _with(empty_report, Changes(basis="last_conclusive_run", compared_with="r-1",
                                         compared_verdict="verified", new=many))
    text = render_markdown(report)
    assert text.count("| New | medium |") == TOP_CHANGES
    assert "3 more: `changes` in `report.json`." in text


def test_hostile_subjects_stay_inert(empty_report: Report) -> None:
    """A subject with markup or table pipes cannot break out of the changes table."""
    evil = "<img src=x onerror=alert(1)>|x@y.example"
    report = _with(empty_report, Changes(basis="no_previous_run", new=(
        change(Outcome.ORPHAN, evil, "user_monitoring", "orphan"),)))
    assert "&lt;img src=x onerror=alert(1)&gt;\\|x@y.example" in render_markdown(report)
    assert "<img src=x" not in render_html(report)
