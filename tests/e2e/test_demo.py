"""`tessian-connector demo`: the README's first command, through the real console script."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, h: Any) -> dict[str, Any]:
    """Run the demo once as a subprocess of the console script; keep code, output and timing."""
    work = tmp_path_factory.mktemp("demo")
    started = time.monotonic()
    done = subprocess.run([*h.console_script(), "demo"], cwd=work, env=h.clean_env(),
                          capture_output=True,
                          text=True, timeout=240, check=False)
    seconds = time.monotonic() - started
    print(f"demo wall time: {seconds:.1f}s")
    return {"code": done.returncode, "out": done.stdout, "err": done.stderr, "work": work,
            "seconds": seconds}


def test_demo_exits_1_with_exactly_the_expected_findings(demo_run: dict[str, Any], h: Any) -> None:
    """The demo exits 1 (drift) and report.json holds exactly the demo tenant's findings."""
    assert demo_run["code"] == 1, demo_run["err"][-2000:]
    html = Path(demo_run["out"].splitlines()[0])
    assert html.name == "report.html" and html.is_file()
    report = json.loads((html.parent / "report.json").read_text())
    assert report["verdict"] == "drift"
    assert h.found_findings(report) == h.expected_findings()


def test_demo_measures_propagation_from_its_audit_trail(demo_run: dict[str, Any]) -> None:
    """The demo's joiner and leaver events give measured delays (about 1 h and 2 h) in report.json,
    in the HTML and in summary.md."""
    bundle = Path(demo_run["out"].splitlines()[0]).parent
    propagation = json.loads((bundle / "report.json").read_text())["propagation"]
    assert propagation["count"] == 2
    # 1 h and 2 h, give or take the Audit Trail's minute resolution and the fakes' load times
    assert 3400 < propagation["p50_s"] < 3800 and 7000 < propagation["p95_s"] < 7400
    assert propagation["max_s"] == propagation["p95_s"]
    assert "median (p50) <strong>" in (bundle / "report.html").read_text()
    assert "Propagation (provider change to Audit Trail): 2 changes" in (
        bundle / "summary.md").read_text()


def test_demo_bundle_layout(demo_run: dict[str, Any]) -> None:
    """The bundle is reports/demo/<UTC time>-<run id>/ with every file DESIGN.md lists."""
    html = Path(demo_run["out"].splitlines()[0])
    bundle = html.parent
    assert bundle.parent == demo_run["work"] / "reports" / "demo"
    for name in ("snapshot.json", "report.json", "report.html", "junit.xml", "summary.md",
                 "action-plan.csv", "run.json"):
        assert (bundle / name).is_file(), name
    meta = json.loads((bundle / "run.json").read_text())
    assert meta["run_type"] == "demo" and meta["exit_code"] == 1
    assert bundle.name.endswith(meta["run_id"])


def test_demo_logs_are_json_lines_without_secrets(demo_run: dict[str, Any]) -> None:
    """Off a terminal the logs are JSON lines, and no demo secret appears in them or the bundle."""
    lines = [line for line in demo_run["err"].splitlines() if line.strip()]
    assert lines and all(line.startswith("{") for line in lines), lines[:3]
    assert all(json.loads(line).get("event") for line in lines)
    bundle = Path(demo_run["out"].splitlines()[0]).parent
    texts = [demo_run["err"], demo_run["out"]] + [
        p.read_text(errors="replace") for p in bundle.iterdir() if p.is_file()]
    for secret in ("demo-Passw0rd!", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "demo-api-token-0123"):
        assert not any(secret in t for t in texts), secret


def test_demo_report_opens_in_chromium(demo_run: dict[str, Any]) -> None:
    """report.html renders in Chromium without console errors and shows the drift verdict.

    A private Playwright instance, closed at the end: pytest-playwright's session-wide one would
    keep an event loop running and break every later in-process run of the sync API.
    """
    from playwright.sync_api import sync_playwright

    from flows.browser import find_chromium, launch_args

    errors: list[str] = []
    html = Path(demo_run["out"].splitlines()[0])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=launch_args())
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri())
        text = page.locator("body").inner_text()
        browser.close()
    assert "drift" in text.lower()
    assert "mark.jensen@acme.example" in text
    assert errors == []


@pytest.mark.parametrize("idp", ["okta", "entra"])
def test_demo_through_a_provider_gives_the_same_findings(cli: Any, h: Any, idp: str) -> None:
    """`demo --idp okta|entra` reads the fake provider and finds exactly what the export gives."""
    if not (h.root / "fixtures" / "idp" / "__main__.py").is_file():
        pytest.skip("the fake identity providers are not in this checkout")
    result = cli("demo", "--idp", idp)
    assert result.code == 1, result.err[-2000:]
    report = result.report()
    assert report["identity_source"]["kind"] == idp
    assert h.found_findings(report) == h.expected_findings()
