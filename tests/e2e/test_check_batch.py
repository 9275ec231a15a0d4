"""`check` against the fixture portal and the demo identity export: the issue's examples never
give 'verified', batches from stdin and @FILE, --json, and a report holding only who was asked."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from connector.history import History

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

UNKNOWN = "nobody.here@acme.example"
TYPO = "mark.jensem@acme.example"  # mark.jensen@acme.example, one letter off
IN_SYNC = ("robert.smith@acme.example", "jonas.weber@acme.example")  # protected, monitored
ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
BUNDLE_TEXTS = ("report.json", "report.html", "summary.md", "junit.xml", "action-plan.csv",
                "run.json", "ocsf.json")


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state folder for the module, so the portal session is reused between checks."""
    return tmp_path_factory.mktemp("check-state")


@pytest.fixture
def check(cli: Any, demo_args: Any, state: Path) -> Any:
    """Run `check ARGS…` for the demo tenant with the demo identity export."""

    def run(*args: str, stdin: str | None = None) -> Any:
        if stdin is not None:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(sys, "stdin", io.StringIO(stdin))
                return cli(*demo_args.global_args, "check", *args, *demo_args.verify, state=state)
        return cli(*demo_args.global_args, "check", *args, *demo_args.verify, state=state)

    return run


def _export(path: Path) -> dict[str, set[str]]:
    """Every identity of the demo export: id -> its addresses (email and aliases), case-folded."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: {a.strip().casefold() for a in [row["email"], *row["aliases"].split(";")]
                            if a.strip()} for row in csv.DictReader(handle)}


@pytest.mark.parametrize("example, arg, lines, code", [
    ("unknown address", UNKNOWN, None, 3),
    ("typo", TYPO, None, 3),
    ("-", "-", UNKNOWN, 3),
    ("@file", "@file", UNKNOWN, 3),
    ("not-an-email", "not-an-email", None, 2),
])
def test_issue_examples_never_give_verified(
    check: Any, tmp_path: Path, example: str, arg: str, lines: str | None, code: int
) -> None:
    """Each example of issue 9 (an unknown address, a typo, `-` and `@file` holding an unknown
    address, `not-an-email`) exits 3 or 2 as it should, and nothing says 'verified'; a typo
    names the close provider address."""
    if arg == "@file":
        (tmp_path / "file").write_text(f"{lines}\n", encoding="utf-8")
    result = check(arg, stdin=f"{lines}\n" if arg == "-" else None)
    assert result.code == code, (example, result.out, result.err[-1500:])
    assert not re.search(r"(?<!un)verified", result.out)  # 'unverified' findings are fine
    if code == 2:
        assert not (tmp_path / "reports").exists()  # refused before any bundle was made
        return
    report = result.report()
    assert report["verdict"] == "inconclusive"
    assert [r["reason"] for r in report["reasons"]] == ["unknown_identity"]
    assert "reason: unknown_identity: " in result.out
    if example == "typo":  # the provider address it was probably meant to be, on every finding
        assert "did you mean mark.jensen@acme.example?" in result.out
        flagged = {"identity": "unknown", "did_you_mean": "mark.jensen@acme.example"}
        assert all(f["details"] == flagged for f in report["findings"])


def test_stdin_batch_checks_each_address_once(check: Any, h: Any) -> None:
    """`-` reads a batch from stdin: comments and blank lines skipped, duplicates of any case
    collapsed; a leaver still monitored in it makes the batch drift (exit 1)."""
    # gareth.hughes (deprovisioned), not ravi.kapoor (still employed, only unassigned): only a
    # real leaver gets the sign-ins-after-leaving read; a set's order would pick either.
    leaver = min(s for o, s, _ in h.expected_findings() if o == "not_removed")
    batch = f"# leavers\n{leaver}\n\n{IN_SYNC[0].upper()}  # moved team\n{IN_SYNC[0]}\n"
    result = check("-", stdin=batch)
    assert result.code == 1, result.out + result.err[-1500:]
    checked = [(c["email"], c["surface"]) for c in result.report()["spot_checks"]]
    assert checked == [(a, s) for a in (leaver, IN_SYNC[0])
                       for s in ("user_monitoring", "portal_users")] + [
        (leaver, "api_tokens"), (IN_SYNC[0], "api_tokens"), (leaver, "audit_trail")]
    assert "not_removed" in result.out


def test_file_batch_with_json_output(check: Any, tmp_path: Path, state: Path) -> None:
    """`@FILE --json` prints one JSON document: verdict, exit code, bundle, and per address its
    identity, expectation, and per surface the state, outcome, minimal row and evidence; the
    check is in history as a spot check."""
    batch = tmp_path / "people.txt"
    batch.write_text("\n".join(IN_SYNC) + "\n", encoding="utf-8")
    result = check(f"@{batch}", "--json")
    assert result.code == 0, result.out + result.err[-1500:]
    doc = json.loads(result.out)
    assert (doc["format"], doc["verdict"], doc["exit_code"], doc["reasons"]) == (
        "tessian-connector/check/1", "verified", 0, [])
    assert Path(doc["report"]) == Path(doc["bundle"]) / "report.json"
    assert Path(doc["report"]).is_file()
    assert [a["address"] for a in doc["addresses"]] == list(IN_SYNC)
    run_id = json.loads(Path(doc["report"]).read_text())["run"]["run_id"]
    recorded = {r.run_id: r.run_type for r in History.in_state_dir(state).runs("demo", 1000)}
    assert recorded[run_id] == "spot_check"
    for entry in doc["addresses"]:
        assert entry["identity"] == "known" and entry["expected"]["monitored"] is True
        monitored = entry["surfaces"]["user_monitoring"]
        assert (monitored["state"], monitored["outcome"]) == ("found", "in_sync")
        assert set(monitored["row"]) == {"address", "sync_state", "status"}
        assert monitored["evidence"] and all(Path(p).is_file() for p in monitored["evidence"])
        assert entry["surfaces"]["portal_users"]["state"] in ("found", "absent")


def test_json_output_for_an_unknown_address(check: Any) -> None:
    """--json for a typo: inconclusive, exit 3, identity unknown, no expectation, a suggestion."""
    result = check(TYPO, "--json")
    assert result.code == 3, result.err[-1500:]
    doc = json.loads(result.out)
    assert (doc["verdict"], doc["exit_code"]) == ("inconclusive", 3)
    assert [r["reason"] for r in doc["reasons"]] == ["unknown_identity"]
    (entry,) = doc["addresses"]
    assert (entry["address"], entry["identity"], entry["expected"], entry["did_you_mean"]) == (
        TYPO, "unknown", None, "mark.jensen@acme.example")
    assert {s["outcome"] for s in entry["surfaces"].values()} == {"unverified"}


def test_expect_judges_an_unknown_address_and_still_flags_it(check: Any) -> None:
    """--expect absent judges an address the provider lacks by the flag (exit 0), and the output
    and the findings still say the provider does not know it."""
    result = check(UNKNOWN, "--expect", "absent")
    assert result.code == 0, result.out + result.err[-1500:]
    assert f"note: {UNKNOWN}: identity unknown" in result.out
    findings = result.report()["findings"]
    assert findings and all(f["details"]["identity"] == "unknown" for f in findings)


def test_report_carries_only_the_asked_identities(check: Any, demo_export: Path) -> None:
    """A spot check's bundle holds the asked identities' records only: no file of it names any
    address but the asked ones, their aliases and their domain-map spellings (not one of the
    200+ identities of the export, nor the policy's exceptions about other people)."""
    export = _export(demo_export)
    asked = ("mark.jensen@acme.example", IN_SYNC[0])
    mine = {i for i, names in export.items() if names & set(asked)}
    allowed = {a for i in mine for a in export[i]} | set(asked)
    allowed |= {a.replace("@acme.example", "@acme-corp.example") for a in allowed}  # domain map
    assert len(export) > 200 and len(mine) == 2
    result = check(*asked)
    assert result.code == 1, result.err[-1500:]
    report = result.report()
    assert {i["id"] for i in report["identity_source"]["identities"]} == mine
    for name in BUNDLE_TEXTS:
        text = (result.bundle() / name).read_text(encoding="utf-8").casefold()
        named = set(ADDRESS.findall(text))
        assert named <= allowed, (name, sorted(named - allowed)[:5])
