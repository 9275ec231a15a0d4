"""The trend chart of report.html: findings per run as a small inline SVG (no script, no assets).

Each bar stacks serious findings (high and critical outcomes) under the others; the verdict of
each run is written under its bar as a letter as well as a colour, and every bar has a <title>.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from connector.models import Report

from ._format import summary_counts, utc
from ._text import VERDICT_LABEL

MAX_RUNS = 30
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 190, 40, 14, 40
VERDICT_COLOUR = {"verified": "#1f7a4d", "drift": "#b42318", "inconclusive": "#b54708"}
SERIOUS, OTHER = "#b42318", "#e4a951"


@dataclass(frozen=True)
class Point:
    """One run on the chart."""

    when: str
    run_id: str
    verdict: str
    serious: int
    other: int
    current: bool


def trend_points(report: Report) -> list[Point]:
    """Earlier runs (oldest first) followed by this one, at most MAX_RUNS."""
    points = [_point(r.finished_at, r.run_id, r.verdict, r.counts, False) for r in report.history]
    current = dict(report.counts)
    if not current:  # a report built without counts: derive them rather than show zero
        for finding in report.findings:
            current[finding.outcome] = current.get(finding.outcome, 0) + 1
    points.append(_point(report.evaluated_at, report.run.run_id, report.verdict, current, True))
    return points[-MAX_RUNS:]


def _point(
    when: datetime, run_id: str, verdict: str, counts: Mapping[str, int], current: bool
) -> Point:
    """A chart point from one run's counts."""
    buckets = summary_counts({str(k): v for k, v in counts.items()})
    return Point(utc(when), run_id, verdict, buckets["serious"], buckets["other"], current)


def trend_svg(points: list[Point]) -> Markup:
    """The chart as SVG markup (every text escaped)."""
    top = max([p.serious + p.other for p in points] + [1])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar = min(28.0, slot * 0.6)
    parts = [_axes(top, plot_w, plot_h)]
    every = max(1, -(-len(points) // 12))  # at most 12 date labels plus "now"
    for i, point in enumerate(points):
        x = LEFT + i * slot + (slot - bar) / 2
        parts.append(_bar(point, x, bar, top, plot_h))
        if point.current or (i % every == 0 and i < len(points) - every):
            parts.append(_date(point, x + bar / 2, TOP + plot_h))
    body = "".join(str(p) for p in parts)
    return Markup(
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="trend-title">Findings per run</title>'
        f'<desc id="trend-desc">{len(points)} runs, oldest first; bars stack serious findings '
        f"(dark) under other findings (light); the letter under each bar is its verdict.</desc>"
        f"{body}</svg>"
    )


def _axes(top: int, plot_w: float, plot_h: float) -> str:
    """Baseline, a top gridline and their labels."""
    return svg_axes(LEFT, TOP, plot_w, plot_h, str(top))


def svg_axes(left: float, top: float, plot_w: float, plot_h: float, label: str) -> str:
    """A chart's baseline and top gridline, labelled 0 and `label` (escaped here)."""
    base = top + plot_h
    return (
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w:.1f}" y2="{base}" stroke="#98a2b3"/>'
        f'<line x1="{left}" y1="{top}" x2="{left + plot_w:.1f}" y2="{top}" stroke="#e4e7ec"/>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" class="axis">0</text>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">{escape(label)}</text>'
    )


def _bar(point: Point, x: float, width: float, top: int, plot_h: float) -> Markup:
    """One run: stacked rectangles, its verdict letter, and a tooltip."""
    base = TOP + plot_h
    h_serious = plot_h * point.serious / top
    h_other = plot_h * point.other / top
    label = dict(VERDICT_LABEL).get(point.verdict, point.verdict)
    tip = escape(f"{point.when} · run {point.run_id} · {label} · {point.serious} serious, "
                 f"{point.other} other" + (" · this run" if point.current else ""))
    cx = x + width / 2
    colour = VERDICT_COLOUR.get(point.verdict, "#475467")
    weight = ' font-weight="700"' if point.current else ""
    return Markup(
        f'<g class="run"><title>{tip}</title>'
        f'<rect x="{x:.1f}" y="{base - h_serious:.1f}" width="{width:.1f}" '
        f'height="{h_serious:.1f}" fill="{SERIOUS}"/>'
        f'<rect x="{x:.1f}" y="{base - h_serious - h_other:.1f}" width="{width:.1f}" '
        f'height="{h_other:.1f}" fill="{OTHER}"/>'
        f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="middle" fill="{colour}" '
        f'class="verdict-letter"{weight}>{escape(label[:1])}</text></g>'
    )


def _date(point: Point, cx: float, base: float) -> Markup:
    """The run's date (month-day) under its bar; 'now' for this run."""
    text = "now" if point.current else point.when[5:10]
    return Markup(
        f'<text x="{cx:.1f}" y="{base + 30}" text-anchor="middle" class="axis">{escape(text)}</text>'
    )
