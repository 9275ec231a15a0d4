"""Renderers of a Report: report.json, report.html, junit.xml, summary.md, action-plan.csv and
ocsf.json (OCSF Compliance Findings); tessian_<tenant>.prom (metrics) is written outside the bundle.

They read only `connector.models` (import-linter enforces it), so a bundle re-renders from
report.json alone, offline. Each `render_*` returns text; `render_bundle` writes the bundle's six.
"""

from __future__ import annotations

from pathlib import Path

from connector.models import Report
from connector.private_files import private_dir, write_private

from .csv_out import COLUMNS as ACTION_PLAN_COLUMNS
from .csv_out import render_action_plan
from .html_out import render_html
from .json_out import load_report, render_json
from .junit_out import render_junit
from .markdown_out import render_markdown
from .ocsf_out import render_ocsf

BUNDLE_FILES = ("report.json", "report.html", "junit.xml", "summary.md", "action-plan.csv",
                "ocsf.json")

__all__ = [
    "ACTION_PLAN_COLUMNS",
    "BUNDLE_FILES",
    "load_report",
    "render_action_plan",
    "render_bundle",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_ocsf",
]


def render_bundle(report: Report, out_dir: Path) -> list[Path]:
    """Write the six report files into `out_dir` (evidence paths are relative to it)."""
    private_dir(out_dir)
    texts = (
        render_json(report),
        render_html(report, evidence_root=out_dir),
        render_junit(report),
        render_markdown(report),
        render_action_plan(report),
        render_ocsf(report),
    )
    return [_write(out_dir / name, text) for name, text in zip(BUNDLE_FILES, texts, strict=True)]


def _write(path: Path, text: str) -> Path:
    """Write atomically (a reader never sees half a report), bytes exactly as rendered, 0600:
    reports name people and accounts (field lesson 7)."""
    return write_private(path, text)
