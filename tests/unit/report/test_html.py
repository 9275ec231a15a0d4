"""report.html: verdict first, self-contained, everything escaped, evidence embedded only safely."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from html import unescape
from pathlib import Path

from connector.models import Finding, Outcome, Report
from connector.report import render_html

HOSTILE = '<script>alert("x")</script>'


def with_findings(report: Report, *findings: Finding) -> Report:
    """The report with its findings replaced."""
    return report.model_copy(update={"findings": findings})


def test_hostile_subject_and_message_are_escaped(full_report: Report) -> None:
    """A subject or message holding markup is shown as text, never parsed as markup."""
    base = full_report.findings[4]
    hostile = base.model_copy(update={
        "subject": HOSTILE, "message": '"><img src=x onerror=alert(1)>',
        "details": {"<b>k</b>": "<i>v</i>"}})
    html = render_html(with_findings(full_report, hostile))
    assert HOSTILE not in html
    assert "<img src=x" not in html and "<b>k</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert len(re.findall(r"<script\b", html)) == 1  # only the page's own script


def test_hostile_tenant_and_reason_are_escaped(inconclusive_report: Report) -> None:
    """Run metadata and inconclusive reasons are escaped too (title, headings, lists)."""
    run = inconclusive_report.run.model_copy(update={"tenant": HOSTILE})
    reason = inconclusive_report.reasons[0].model_copy(update={"message": HOSTILE})
    html = render_html(inconclusive_report.model_copy(
        update={"run": run, "reasons": (reason,)}))
    assert HOSTILE not in html
    assert html.count("&lt;script&gt;") >= 3


def test_self_contained_with_pinned_script(full_report: Report, evidence_root: Path) -> None:
    """No external asset is referenced and a CSP pins the inline script and style by hash."""
    html = render_html(full_report, evidence_root=evidence_root)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    policy = unescape(csp.group(1))
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy


def test_verdict_comes_first(inconclusive_report: Report) -> None:
    """The verdict, its reasons in plain words and what to do precede every other section."""
    html = render_html(inconclusive_report)
    verdict = html.index('id="verdict-title"')
    assert verdict < html.index('id="counts-title"') < html.index('id="findings-title"')
    assert "The rows read did not add up to the total the portal showed." in html
    assert "What to do:" in html
    assert "Read 212 of 250 rows on Portal Users." in html
    assert "<strong>0</strong> identities verified" in html


def test_evidence_is_embedded_when_present(full_report: Report, evidence_root: Path) -> None:
    """An existing PNG becomes a data-URI thumbnail; a missing one a plain link."""
    html = render_html(full_report, evidence_root=evidence_root)
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html
    assert 'href="evidence/missing-dave.png"' in html
    assert '<a href="evidence/absent-file.png">evidence/absent-file.png</a>' in html


def test_evidence_outside_the_bundle_is_never_read(full_report: Report, tmp_path: Path,
                                                    evidence_root: Path) -> None:
    """Paths that climb out of the bundle or are absolute are neither embedded nor linked."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    outside = "../" * 2 + str(evidence_root / "evidence" / "spot-erin.png").lstrip("/")
    paths = (outside, str(evidence_root / "evidence" / "spot-erin.png"), "javascript:alert(1)")
    finding = full_report.findings[4].model_copy(update={"evidence": paths})
    html = render_html(with_findings(full_report, finding), evidence_root=bundle)
    assert "data:image/png" not in html
    assert 'href="../' not in html and 'href="/' not in html and 'href="javascript' not in html


def test_non_image_evidence_is_not_embedded(full_report: Report, tmp_path: Path) -> None:
    """A file named .png that is not a PNG is linked, not embedded."""
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "fake.png").write_text("<svg onload=alert(1)>")
    finding = full_report.findings[4].model_copy(update={"evidence": ("evidence/fake.png",)})
    html = render_html(with_findings(full_report, finding), evidence_root=tmp_path)
    assert "data:" not in html.split("<body>", 1)[1].replace('href="data:,"', "")
    assert 'href="evidence/fake.png"' in html


def test_findings_table_is_sortable_without_losing_order(full_report: Report) -> None:
    """Rows come most severe first and carry the values the sorting script reads."""
    html = render_html(full_report)
    body = html.split('id="findings"', 1)[1]
    ranks = [int(v) for v in re.findall(r'<td data-value="(\d)"><span class="sev', body)]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == 5
    assert 'aria-sort="descending"' in body
    in_sync_rows = body.split("</table>", 1)[0].count('data-outcome="in_sync"')
    assert in_sync_rows == 0  # in-sync identities are listed apart, not as findings


def test_finding_facts_are_shown(full_report: Report) -> None:
    """Open-for, overdue time, delay, exception owner and reason appear with their finding."""
    html = render_html(full_report)
    assert "3 days" in html and "since 2026-11-24" in html
    assert "2026-11-28 09:00 UTC" in html  # pending: overdue at
    assert "5 h 20 min" in html
    assert "secops@acme.example: Break-glass account, reviewed quarterly" in html
    assert "Would be" in html and "Unmanaged admin" in html


def test_trend_chart_only_with_history(full_report: Report, empty_report: Report) -> None:
    """Earlier runs draw an SVG chart with one bar group per run; without them, a sentence."""
    html = render_html(full_report)
    assert html.count('<g class="run">') == len(full_report.history) + 1
    assert "<svg" not in render_html(empty_report)
    assert "trend appears from the second run" in render_html(empty_report)


def test_verified_with_nothing_compared_says_so(empty_report: Report) -> None:
    """A verified report that checked nobody does not read as a clean pass."""
    assert "nothing was compared" in render_html(empty_report)


def test_unknown_outcome_from_a_newer_history_is_counted(full_report: Report) -> None:
    """History counts under an outcome this version does not know still reach the chart."""
    old = full_report.history[0].model_copy(update={"counts": {"future_outcome": 4}})
    report = full_report.model_copy(update={"history": (old,)})
    assert "4 other" in render_html(report)


def test_outcome_filter_lists_present_outcomes(full_report: Report) -> None:
    """The outcome filter offers exactly the outcomes in the findings table."""
    html = render_html(full_report)
    options = set(re.findall(r'<option value="([a-z_]+)">', html))
    expected = {str(f.outcome) for f in full_report.findings if f.outcome != Outcome.IN_SYNC}
    assert options == expected


def test_first_seen_now_reads_new(full_report: Report) -> None:
    """A finding first seen by this run says 'new in this run', not 'open for 0 s'."""
    fresh = full_report.findings[4].model_copy(update={"open_since": full_report.evaluated_at})
    html = render_html(with_findings(full_report, fresh))
    assert 'new in this run<span class="date">' in html
    assert '0 s<span class="date">' not in html


def test_slowest_propagations_include_in_sync(full_report: Report) -> None:
    """The propagation table lists slow changes even when they have landed (in sync)."""
    html = render_html(full_report)
    table = html.split('class="delays"', 1)[1].split("</table>", 1)[0]
    assert "carol" in table and "42 min" in table
    assert table.index("grace") < table.index("carol")  # slowest first


def test_times_are_shown_in_utc(full_report: Report) -> None:
    """An evaluation time with another offset is still shown in UTC (title and metadata)."""
    local = full_report.evaluated_at.astimezone(timezone(timedelta(hours=2)))
    html = render_html(full_report.model_copy(update={"evaluated_at": local}))
    assert "<title>Drift: Tessian verification of acme, 2026-11-27 12:00 UTC</title>" in html
    assert "14:00" not in html


def test_trend_keeps_the_last_thirty_runs(full_report: Report) -> None:
    """A long history draws the 30 latest runs (this one last) with a readable number of dates."""
    first = full_report.history[0]
    runs = tuple(first.model_copy(update={"run_id": f"r-{i}",
                                          "finished_at": first.finished_at + timedelta(hours=i)})
                 for i in range(40))
    svg = render_html(full_report.model_copy(update={"history": runs})).split("<svg", 1)[1]
    assert svg.count('<g class="run">') == 30
    assert "run r-11 " in svg and "run r-10 " not in svg  # 29 earlier runs + this one
    assert svg.count('class="axis">') - 2 <= 13  # dates, minus the two y-axis labels


def test_accessible_structure(full_report: Report, evidence_root: Path) -> None:
    """Every table has a caption, every image alt text, ids are unique, headings start at h1."""
    html = render_html(full_report, evidence_root=evidence_root)
    assert html.count("<table") == html.count("<caption>") > 3
    assert html.count("<img") == html.count(' alt="Screenshot: ')
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.index("<h1>") < html.index("<h2")
    assert '<html lang="en">' in html
