"""render_bundle writes the six files; the shared formatting helpers say times the same way."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from connector.models import Report
from connector.report import BUNDLE_FILES, render_bundle, render_html
from connector.report._format import duration


def test_bundle_writes_all_files(full_report: Report, tmp_path: Path) -> None:
    """All six files are written into a new directory, private to the user, no temp left."""
    out = tmp_path / "reports" / "acme" / "run"
    paths = render_bundle(full_report, out)
    assert [p.name for p in paths] == list(BUNDLE_FILES)
    assert sorted(p.name for p in out.iterdir()) == sorted(BUNDLE_FILES)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)


def test_bundle_embeds_evidence_relative_to_out_dir(
    full_report: Report, tmp_path: Path, evidence_root: Path
) -> None:
    """Evidence paths are resolved against the bundle directory itself."""
    (tmp_path / "evidence").mkdir()
    png = (evidence_root / "evidence" / "missing-dave.png").read_bytes()
    (tmp_path / "evidence" / "missing-dave.png").write_bytes(png)
    render_bundle(full_report, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html == render_html(full_report, evidence_root=tmp_path)
    assert html.count("data:image/png;base64,") == 1


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(seconds=20), "20 s"), (timedelta(minutes=45), "45 min"),
     (timedelta(hours=5, minutes=20), "5 h 20 min"), (timedelta(hours=2), "2 h"),
     (timedelta(days=1), "1 day"), (timedelta(hours=26), "1 day 2 h"),
     (timedelta(days=3, hours=7), "3 days")],
)
def test_duration_words(delta: timedelta, text: str) -> None:
    """Durations read the way the report promises ("open for 3 days")."""
    assert duration(delta) == text
