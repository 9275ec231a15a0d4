"""The propagation figures of report.html and summary.md, and their trend over earlier runs.

The figures are `Report.propagation` (provider change -> Audit Trail "User Added"/"User Removed",
nearest-rank p50/p95 and max); earlier runs' figures come from `report.history`. A run whose
figures were not measured (None) or measured nothing (count 0) is left out of the trend rather
than drawn as zero: zero would read as "instant".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from connector.models import Propagation, Report

from ._format import duration, plural, utc
from ._trend import svg_axes

MAX_RUNS = 30
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 170, 64, 14, 36
P50, P95 = "#1d4ed8", "#7a5af8"
NOT_MEASURED = ("Not measured in this run: measuring needs a complete read of the Audit Trail "
                "and of the identity provider.")
NONE_LANDED = ("Measured, but no change in the identity provider shows in the Audit Trail yet "
               "(no \"User Added\" or \"User Removed\" event after a change).")


@dataclass(frozen=True)
class PropagationPoint:
    """One run's figures on the propagation trend."""

    when: str
    run_id: str
    count: int
    p50_s: float
    p95_s: float
    current: bool


def figures(propagation: Propagation | None) -> dict[str, str]:
    """The run's figures as text: 'measured' is '1' when there are any, else a 'note' says why."""
    if propagation is None:
        return {"measured": "", "note": NOT_MEASURED}
    if propagation.count == 0 or propagation.p50_s is None:
        return {"measured": "", "note": NONE_LANDED}
    return {"measured": "1", "note": "", "count": plural(propagation.count, "change"),
            "p50": _seconds(propagation.p50_s), "p95": _seconds(propagation.p95_s),
            "max": _seconds(propagation.max_s)}


def summary_line(propagation: Propagation | None) -> str:
    """One line for summary.md: the figures, or why there are none."""
    shown = figures(propagation)
    if not shown["measured"]:
        return f"Propagation (provider change to Audit Trail): {shown['note']}"
    return (f"Propagation (provider change to Audit Trail): {shown['count']}, "
            f"p50 {shown['p50']}, p95 {shown['p95']}, max {shown['max']}.")


def _seconds(value: float | None) -> str:
    return duration(timedelta(seconds=value)) if value is not None else "—"


def propagation_points(report: Report) -> list[PropagationPoint]:
    """Earlier measured runs (oldest first), then this one when measured; at most MAX_RUNS."""
    points = [_point(r.finished_at, r.run_id, r.propagation, False) for r in report.history]
    points.append(_point(report.evaluated_at, report.run.run_id, report.propagation, True))
    return [p for p in points if p is not None][-MAX_RUNS:]


def _point(
    when: datetime, run_id: str, propagation: Propagation | None, current: bool
) -> PropagationPoint | None:
    if propagation is None or propagation.p50_s is None or propagation.p95_s is None:
        return None
    return PropagationPoint(utc(when), run_id, propagation.count, propagation.p50_s,
                            propagation.p95_s, current)


def propagation_svg(points: list[PropagationPoint]) -> Markup:
    """p50 and p95 per run as two lines of an inline SVG (every text escaped)."""
    top = max([p.p95_s for p in points] + [p.p50_s for p in points] + [1.0])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    xs = [LEFT + i * step for i in range(len(points))]
    parts = [_axes(top, plot_w, plot_h)]
    for colour, values, dash in ((P95, [p.p95_s for p in points], ' stroke-dasharray="5 3"'),
                                 (P50, [p.p50_s for p in points], "")):
        coords = " ".join(f"{x:.1f},{_y(v, top, plot_h):.1f}" for x, v in zip(xs, values))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')
    every = max(1, -(-len(points) // 10))
    for i, (x, point) in enumerate(zip(xs, points)):
        parts.append(str(_marks(point, x, top, plot_h)))
        if point.current or i % every == 0:
            parts.append(str(_date(point, x)))
    return Markup(
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="prop-title prop-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="prop-title">Propagation delay per run</title>'
        f'<desc id="prop-desc">{len(points)} measured runs, oldest first; the solid line is the '
        f"median (p50), the dashed line p95.</desc>{''.join(parts)}</svg>"
    )


def _y(value: float, top: float, plot_h: float) -> float:
    return TOP + plot_h - plot_h * value / top


def _axes(top: float, plot_w: float, plot_h: float) -> str:
    """Baseline, a top gridline and their labels (durations)."""
    return svg_axes(LEFT, TOP, plot_w, plot_h, _seconds(top))


def _marks(point: PropagationPoint, x: float, top: float, plot_h: float) -> Markup:
    """The run's two dots, with one tooltip naming its figures."""
    tip = escape(f"{point.when} · run {point.run_id} · {plural(point.count, 'change')} · "
                 f"p50 {_seconds(point.p50_s)} · p95 {_seconds(point.p95_s)}"
                 + (" · this run" if point.current else ""))
    radius = 4 if point.current else 3
    return Markup(
        f'<g class="prop-run"><title>{tip}</title>'
        f'<circle cx="{x:.1f}" cy="{_y(point.p95_s, top, plot_h):.1f}" r="{radius}" fill="{P95}"/>'
        f'<circle cx="{x:.1f}" cy="{_y(point.p50_s, top, plot_h):.1f}" r="{radius}" fill="{P50}"/>'
        f"</g>"
    )


def _date(point: PropagationPoint, x: float) -> Markup:
    """The run's date (month-day) under its dots; 'now' for this run."""
    text = "now" if point.current else point.when[5:10]
    return Markup(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" '
                  f'class="axis">{escape(text)}</text>')
