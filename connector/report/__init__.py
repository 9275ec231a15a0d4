"""Renderers of a Report: report.json, report.html, junit.xml, summary.md and action-plan.csv.

They read only `connector.models` (import-linter enforces it), so a bundle re-renders from
report.json alone, offline. Each `render_*` returns text; `render_bundle` writes all five.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from connector.models import Report

from .csv_out import COLUMNS as ACTION_PLAN_COLUMNS
from .csv_out import render_action_plan
from .html_out import render_html
from .json_out import load_report, render_json
from .junit_out import render_junit
from .markdown_out import render_markdown

BUNDLE_FILES = ("report.json", "report.html", "junit.xml", "summary.md", "action-plan.csv")

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
]


def render_bundle(report: Report, out_dir: Path) -> list[Path]:
    """Write the five report files into `out_dir` (evidence paths are relative to it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = (
        render_json(report),
        render_html(report, evidence_root=out_dir),
        render_junit(report),
        render_markdown(report),
        render_action_plan(report),
    )
    return [_write(out_dir / name, text) for name, text in zip(BUNDLE_FILES, texts, strict=True)]


def _write(path: Path, text: str) -> Path:
    """Write atomically (a reader never sees half a report), bytes exactly as rendered.

    The file keeps mkstemp's 0600 mode: reports name people and accounts (field lesson 7).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
