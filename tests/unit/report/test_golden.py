"""Golden-file tests: each renderer's output for the three sample reports, byte for byte.

The goldens live in `golden/<report>/<file>`. After an intended change to a renderer, regenerate
them and review the diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/report -q

A missing golden fails the test (never silently passes), unless UPDATE_GOLDEN is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from connector.models import Report
from connector.report import (
    render_action_plan,
    render_html,
    render_json,
    render_junit,
    render_markdown,
)

GOLDEN = Path(__file__).parent / "golden"
REPORTS = ("full", "inconclusive", "empty")
RENDERERS: dict[str, Callable[[Report, Path], str]] = {
    "report.json": lambda r, _root: render_json(r),
    "report.html": lambda r, root: render_html(r, evidence_root=root),
    "junit.xml": lambda r, _root: render_junit(r),
    "summary.md": lambda r, _root: render_markdown(r),
    "action-plan.csv": lambda r, _root: render_action_plan(r),
}


@pytest.mark.parametrize("file_name", list(RENDERERS))
@pytest.mark.parametrize("report_name", REPORTS)
def test_output_matches_golden(
    report_name: str, file_name: str, sample_reports: dict[str, Report], evidence_root: Path
) -> None:
    """Each format renders each sample report exactly as its reviewed golden file."""
    rendered = RENDERERS[file_name](sample_reports[report_name], evidence_root)
    golden = GOLDEN / report_name / file_name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered.encode("utf-8"))
    assert golden.exists(), f"no golden {golden}: run with UPDATE_GOLDEN=1 and review it"
    assert rendered.encode("utf-8") == golden.read_bytes()


def test_rendering_is_deterministic(full_report: Report, evidence_root: Path) -> None:
    """Rendering the same report twice gives identical bytes in every format."""
    for render in RENDERERS.values():
        assert render(full_report, evidence_root) == render(full_report, evidence_root)
