"""What the command line leaves on disk is private: 0600 files in 0700 folders, masked evidence.

verify runs with a changed layout (ui_changed: the run keeps a screenshot and an ARIA snapshot
of every surface it could not read, and a trace) under umask 022, the common default under which
a plain open() gives 0644. Then the whole bundle and state folder are walked.
"""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.evidence import ADDRESS, MAGENTA_SHARE_JS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

DATA_URI = re.compile(r'src="data:([\w/+.-]+);base64,([A-Za-z0-9+/=]+)"')



def tenant_addresses(h: Any) -> set[str]:
    """Every address the demo tenant file holds (users, admins, aliases, audit actors)."""
    text = (h.root / "fixtures" / "tenants" / "demo.json").read_text(encoding="utf-8")
    return {a.casefold() for a in ADDRESS.findall(text)}


def modes(*roots: Path) -> dict[Path, int]:
    """The permission bits of every file and folder under `roots` (the roots included)."""
    found = {root: stat.S_IMODE(root.lstat().st_mode) for root in roots}
    for root in roots:
        for path in root.rglob("*"):
            found[path] = stat.S_IMODE(path.lstat().st_mode)
    return found


def wrong_modes(found: dict[Path, int]) -> list[str]:
    """Entries that are not 0700 folders or 0600 files."""
    return [f"{oct(m)} {p}" for p, m in sorted(found.items())
            if m != (0o700 if p.is_dir() else 0o600)]


def magenta_shares(images: list[bytes]) -> list[float]:
    """The mask-colour share of each PNG, decoded by a blank page's canvas."""
    from playwright.sync_api import sync_playwright

    from flows.browser import BrowserOptions, launch

    with sync_playwright() as playwright:
        browser = launch(playwright, BrowserOptions())
        try:
            page = browser.new_page()
            return [float(page.evaluate(MAGENTA_SHARE_JS, base64.b64encode(b).decode()))
                    for b in images]
        finally:
            browser.close()


def check_bundle_modes(bundle: Path, tmp_path: Path) -> None:
    """Every file under reports/ and .state/ is 0600, every folder 0700, and all are there."""
    found = modes(tmp_path / "reports", tmp_path / ".state")
    names = {p.relative_to(bundle).as_posix() for p in found if p.is_relative_to(bundle)}
    assert {"snapshot.json", "run.json", "report.json", "report.html", "junit.xml",
            "summary.md", "action-plan.csv", "trace.zip", "evidence"} <= names
    assert any(n.endswith(".png") for n in names) and any(n.endswith(".aria.yml") for n in names)
    assert (tmp_path / ".state" / "history.sqlite3") in found
    assert wrong_modes(found) == []


def check_evidence(bundle: Path, people: set[str]) -> None:
    """No tenant address in any evidence file; report.html embeds only the bundle's screenshots
    (largely mask colour), never ARIA snapshot text."""
    evidence = sorted((bundle / "evidence").iterdir())
    leaked = {p.name: [a for a in people if a in p.read_bytes().decode("latin-1").casefold()]
              for p in evidence}
    assert {name: hits for name, hits in leaked.items() if hits} == {}
    assert not any("@" in p.read_text(encoding="utf-8") for p in evidence if p.suffix == ".yml")
    html = (bundle / "report.html").read_text(encoding="utf-8")
    embedded = [(mime, base64.b64decode(data)) for mime, data in DATA_URI.findall(html)]
    screenshots = {p.read_bytes() for p in evidence if p.suffix == ".png"}
    assert embedded and {m for m, _ in embedded} == {"image/png"}
    assert all(blob in screenshots for _, blob in embedded)
    assert "columnheader" not in html  # ARIA snapshots are linked, never inlined
    shares = magenta_shares([blob for _, blob in embedded])
    assert min(shares) > 0.05, shares  # rows, banner and values are solid mask colour (0 before)


@pytest.mark.usefixtures("umask022")
def test_ui_changed_run_leaves_private_files_and_masked_evidence(
    cli: Any, demo_args: Any, portal: Any, tmp_path: Path, h: Any
) -> None:
    """A ui_changed verify under umask 022 leaves only 0600 files in 0700 folders (bundle and
    state), evidence naming no address of the tenant, and a report.html embedding only it."""
    portal.control.faults(layout="renamed_column")
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    assert result.code == 3, result.err[-1500:]
    assert "ui_changed" in {r["reason"] for r in result.report()["reasons"]}
    check_bundle_modes(result.bundle(), tmp_path)
    check_evidence(result.bundle(), tenant_addresses(h))


@pytest.mark.usefixtures("umask022")
def test_collect_expected_and_report_out_files_are_private(
    cli: Any, demo_args: Any, tmp_path: Path
) -> None:
    """collect --out, expected --out and report --from … --out write 0600 files into the 0700
    folders they create."""
    out = tmp_path / "out"
    collected = cli(*demo_args.global_args, "collect", *demo_args.portal, "--portal-password",
                    "wrong-Passw0rd!", "--out", str(out / "collect" / "snapshot.json"))
    assert collected.code == 3, collected.err[-1500:]  # refused: the snapshot is written anyway
    expected = cli(*demo_args.global_args, "expected", *demo_args.idp,
                   "--out", str(out / "expected" / "identities.json"))
    assert expected.code == 0, expected.err[-1500:]
    report = cli(*demo_args.global_args, "report", "--from", str(out / "collect" /
                 "snapshot.json"), "--identities", str(out / "expected" / "identities.json"),
                 "--out", str(out / "report"))
    assert report.code == 3, report.err[-1500:]
    found = modes(out)
    assert json.loads((out / "expected" / "identities.json").read_text())["identities"]
    assert {p.name for p in found} >= {"snapshot.json", "identities.json", "report.html",
                                       "report.json", "junit.xml", "summary.md",
                                       "action-plan.csv"}
    assert wrong_modes(found) == []
