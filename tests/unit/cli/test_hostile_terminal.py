"""Hostile portal text on the terminal: the commands' stdout lines and the log lines show
escape sequences, carriage returns, bells, direction overrides and rich markup as inert text."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import structlog

from connector.bundle import Bundle
from connector.commands.check import _print as print_check
from connector.commands.doctor import print_table
from connector.commands.spot_rules import Expectation
from connector.commands.verify import print_outcome
from connector.logging import configure_logging, reset_logging
from connector.models import PageCheck
from tests.unit.report.test_hostile_text import BIDI, CONTROLS, inconclusive_hostile

RAW = [c for c in CONTROLS + BIDI if c not in "\t\n"]


def _raw_in(text: str) -> list[str]:
    return [c for c in RAW if c in text]


def test_verify_lines_show_hostile_reasons_inertly(tmp_path: Path) -> None:
    """verify's stdout (reason lines from portal messages) holds no control or direction
    character, one line per reason."""
    report = inconclusive_hostile()
    out = io.StringIO()
    print_outcome(Bundle(tmp_path), report, out)
    assert _raw_in(out.getvalue()) == []
    reasons = [line for line in out.getvalue().splitlines() if line.startswith("reason:")]
    assert len(reasons) == len(report.reasons)


def test_check_lines_keep_one_tab_separated_line_per_finding(tmp_path: Path) -> None:
    """check's stdout: each finding is one line of exactly four tab-separated fields, whatever
    tabs, newlines or escapes the subject and message hold."""
    report = inconclusive_hostile()
    expectation = Expectation(email="\x1b[2Jx@acme.example", monitored=True, portal_allowed=True,
                              leaver=False, identity="unknown", suggestion="\u202ey@acme.example")
    out = io.StringIO()
    print_check(Bundle(tmp_path), report, {"x": expectation}, out)
    text = out.getvalue()
    assert _raw_in(text) == []
    lines = text.splitlines()
    rows = lines[1:1 + len(report.findings)]
    assert [len(r.split("\t")) for r in rows] == [4] * len(report.findings)
    assert any(line.startswith("note: \\x1b[2Jx@acme.example") for line in lines)


def test_doctor_table_shows_markup_and_escapes_as_text() -> None:
    """doctor's rich table prints a page message's [markup] literally and its escapes inertly."""
    checks = [PageCheck(page="[bold red]Users[/]", url="/x", ok=False, failed_locator="\x1b[2J",
                        message="[link=http://evil.example]click[/link] \u202eevil\x07")]
    out = io.StringIO()
    print_table(checks, out)
    text = out.getvalue()
    assert _raw_in(text) == []
    assert "[bold red]Users[/]" in text and "[link=http://evil.example]click[/link]" in text


@pytest.mark.parametrize("json_logs", [True, False])
def test_log_lines_show_hostile_values_inertly(json_logs: bool) -> None:
    """A log event carrying portal text (console or JSON lines) holds no raw control or
    direction character."""
    out = io.StringIO()
    configure_logging(stream=out, json_logs=json_logs)
    structlog.get_logger("t").warning("row \x1b[2J read\r", address="\u202emoc@x\x07",
                                      detail={"name": "\x9b31m"})
    reset_logging()
    text = out.getvalue()
    assert _raw_in(text) == []
    if json_logs:
        assert json.loads(text)["address"] == "\\u202emoc@x\\x07"
