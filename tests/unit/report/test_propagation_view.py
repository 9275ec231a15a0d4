"""Propagation figures in report.html and summary.md, and their trend over earlier runs."""

from __future__ import annotations

import re

from connector.models import Propagation, Report
from connector.report import render_html, render_markdown
from connector.report._propagation import propagation_points, summary_line

MEASURED = Propagation(count=3, p50_s=600, p95_s=7200, max_s=9000)


def section(html: str) -> str:
    """The Propagation section of a page."""
    return html.split('id="delay-title"', 1)[1].split("</section>", 1)[0]


def test_the_runs_figures_are_shown_as_durations(full_report: Report) -> None:
    """p50, p95 and the maximum of the run appear in words, with the number of changes."""
    html = section(render_html(full_report.model_copy(update={"propagation": MEASURED})))
    assert "for 3 changes: median (p50) <strong>10 min</strong>, p95 <strong>2 h</strong>, " \
           "slowest <strong>2 h 30 min</strong>" in html


def test_not_measured_and_nothing_landed_say_so_instead_of_zero(full_report: Report) -> None:
    """None says what a measurement needs; count 0 says no change landed; neither shows figures."""
    unmeasured = section(render_html(full_report.model_copy(update={"propagation": None})))
    assert "Not measured in this run" in unmeasured and "p95 <strong>" not in unmeasured
    empty = section(render_html(full_report.model_copy(
        update={"propagation": Propagation(count=0)})))
    assert "no change in the identity provider shows in the Audit Trail yet" in empty
    assert "p95 <strong>" not in empty


def test_trend_leaves_out_runs_without_figures(full_report: Report) -> None:
    """Earlier runs not measured or with count 0 are not drawn as zero; this run comes last."""
    points = propagation_points(full_report)
    assert [p.run_id for p in points] == ["r-1", "r-4", full_report.run.run_id]
    assert [p.p95_s for p in points] == [5400, 9000, 19200] and points[-1].current
    unmeasured_now = propagation_points(full_report.model_copy(update={"propagation": None}))
    assert [p.run_id for p in unmeasured_now] == ["r-1", "r-4"]


def test_trend_chart_has_a_dot_pair_and_a_tooltip_per_measured_run(full_report: Report) -> None:
    """The chart draws two lines and, per measured run, two dots under one escaped tooltip."""
    run = full_report.run.model_copy(update={"run_id": "<b>x</b>"})
    html = section(render_html(full_report.model_copy(update={"run": run})))
    chart = html.split('aria-labelledby="prop-title prop-desc"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<polyline") == 2 and chart.count("<circle") == 6
    tip = "run &lt;b&gt;x&lt;/b&gt; · 2 changes · p50 42 min · p95 5 h 20 min · this run"
    assert tip in chart
    assert "<b>x</b>" not in html


def test_one_measured_run_draws_no_chart(inconclusive_report: Report) -> None:
    """With a single measured run there is no line to draw, so no chart and no trend table."""
    html = section(render_html(inconclusive_report))
    assert "prop-title" not in html and "Propagation trend" not in html


def test_summary_has_one_line_with_the_figures(full_report: Report) -> None:
    """summary.md carries exactly one propagation line, with the figures or why there are none."""
    text = render_markdown(full_report.model_copy(update={"propagation": MEASURED}))
    lines = [line for line in text.splitlines() if line.startswith("Propagation")]
    assert lines == ["Propagation (provider change to Audit Trail): 3 changes, p50 10 min, "
                     "p95 2 h, max 2 h 30 min."]
    assert re.search(r"Not measured in this run", summary_line(None))
