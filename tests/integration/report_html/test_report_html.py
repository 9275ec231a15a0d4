"""report.html in real headless Chromium: renders, sorts, filters, prints, runs no foreign code.

The report comes from the reviewed golden report.json of the unit tests (tests/unit/report), with
its evidence copied next to it, so this checks exactly the page those goldens pin. Set
REPORT_SCREENSHOT_DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from connector.models import Report
from connector.report import load_report, render_bundle

pytestmark = pytest.mark.integration

UNIT = Path(__file__).parents[2] / "unit" / "report"


def bundle(report: Report, out: Path) -> Path:
    """Render `report` into `out` with the sample evidence, and return report.html."""
    shutil.copytree(UNIT / "data" / "evidence", out / "evidence")
    render_bundle(report, out)
    return out / "report.html"


def golden(name: str) -> Report:
    """A sample report, as stored in its golden report.json."""
    return load_report(UNIT / "golden" / name / "report.json")


@pytest.fixture
def problems(page: Page) -> Iterator[list[str]]:
    """Console errors, page errors and dialogs seen while the test runs (must stay empty)."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            seen.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield seen


def keep_screenshot(page: Page, name: str, tmp_path: Path) -> Path:
    """Take a full-page screenshot (also into $REPORT_SCREENSHOT_DIR when set)."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("REPORT_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def subjects(page: Page) -> list[str]:
    """The subject column of the findings table, top to bottom."""
    return page.locator("#findings tbody tr td.subject").all_inner_texts()


def test_renders_verdict_without_errors(page: Page, problems: list[str], tmp_path: Path) -> None:
    """The drift verdict is the first heading after the title, evidence loads, nothing errors."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(bundle(golden("full"), tmp_path / "b").as_uri())
    verdict = page.get_by_role("heading", name="Verdict: Drift")
    expect(verdict).to_be_visible()
    headline = page.locator(".verdict .headline")
    expect(headline).to_contain_text("14 findings at or above severity low")
    thumbs = page.locator("#findings img.thumb")
    expect(thumbs).to_have_count(1)
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator("#toolbar")).to_be_visible()  # the script ran (CSP hash matched)
    shot = keep_screenshot(page, "report-full.png", tmp_path)
    assert shot.stat().st_size > 10_000
    assert problems == []


def test_sorting_by_header_click(page: Page, problems: list[str], tmp_path: Path) -> None:
    """Clicking Subject sorts rows A-Z, clicking again Z-A, and aria-sort follows."""
    page.goto(bundle(golden("full"), tmp_path / "b").as_uri())
    header = page.locator("#findings thead th", has_text="Subject")
    before = subjects(page)
    header.get_by_role("button").click()
    ascending = subjects(page)
    assert ascending == sorted(before, key=str.lower) and ascending != before
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("button").click()
    assert subjects(page) == sorted(before, key=str.lower, reverse=True)
    expect(header).to_have_attribute("aria-sort", "descending")
    severity = page.locator("#findings thead th", has_text="Severity")
    expect(severity).to_have_attribute("aria-sort", "none")
    severity.get_by_role("button").click()  # first click on severity: most severe first
    expect(page.locator("#findings tbody tr").first).to_have_attribute(
        "data-outcome", "access_retained")
    assert problems == []


def test_filter_by_outcome(page: Page, problems: list[str], tmp_path: Path) -> None:
    """Choosing an outcome shows only its rows and says how many are shown."""
    page.goto(bundle(golden("full"), tmp_path / "b").as_uri())
    page.get_by_label("Show").select_option("not_removed")
    expect(page.locator("#findings tbody tr:visible")).to_have_count(2)
    expect(page.locator("#filter-status")).to_have_text("Showing 2 of 17 findings")
    page.get_by_label("Show").select_option("")
    expect(page.locator("#findings tbody tr:visible")).to_have_count(17)
    assert problems == []


def test_print_media(page: Page, problems: list[str], tmp_path: Path) -> None:
    """Printed, the toolbar disappears, headers stop being sticky, and a PDF renders."""
    page.goto(bundle(golden("full"), tmp_path / "b").as_uri())
    th = page.locator("#findings thead th").first
    assert th.evaluate("el => getComputedStyle(el).position") == "sticky"
    page.emulate_media(media="print")
    expect(page.locator("#toolbar")).to_be_hidden()
    assert th.evaluate("el => getComputedStyle(el).position") == "static"
    row = page.locator("#findings tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).breakInside") == "avoid"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 1
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert problems == []


def test_works_without_javascript(browser: Browser, tmp_path: Path) -> None:
    """With scripts off the page is complete: verdict, every finding, most severe first."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(bundle(golden("full"), tmp_path / "b").as_uri())
    expect(page.get_by_role("heading", name="Verdict: Drift")).to_be_visible()
    expect(page.locator("#findings tbody tr")).to_have_count(17)
    expect(page.locator("#toolbar")).to_be_hidden()
    expect(page.locator("#findings tbody tr").first).to_have_attribute(
        "data-outcome", "access_retained")
    context.close()


def test_inconclusive_reasons(page: Page, problems: list[str], tmp_path: Path) -> None:
    """An inconclusive report leads with its reasons and what to do about each."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(bundle(golden("inconclusive"), tmp_path / "b").as_uri())
    expect(page.get_by_role("heading", name="Verdict: Inconclusive")).to_be_visible()
    reasons = page.locator(".reasons li")
    expect(reasons).to_have_count(2)
    expect(reasons.first).to_contain_text("What to do:")
    keep_screenshot(page, "report-inconclusive.png", tmp_path)
    assert problems == []


def test_hostile_subject_runs_nothing(page: Page, problems: list[str], tmp_path: Path) -> None:
    """A subject holding a script tag shows as text and opens no dialog."""
    report = golden("full")
    hostile = '<script>alert("pwned")</script><img src=x onerror=alert(2)>'
    target = next(f for f in report.findings if f.outcome == "missing")
    changed = target.model_copy(update={"subject": hostile})
    report = report.model_copy(
        update={"findings": tuple(changed if f is target else f for f in report.findings)})
    page.goto(bundle(report, tmp_path / "b").as_uri())
    expect(page.locator("#findings td.subject", has_text="<script>")).to_have_count(1)
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert problems == []
