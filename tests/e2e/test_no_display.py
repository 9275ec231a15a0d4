"""A headed run with no usable display: exit 2 with one line saying so, never exit 3 with
Playwright's multi-line launch log, and no bundle left behind.

Without DISPLAY the connector refuses before launching anything; with a DISPLAY that points at no
X server only Chromium can tell, and its launch error is translated the same way.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from connector.errors import ConfigError
from flows.browser import BrowserOptions, launch

pytestmark = pytest.mark.e2e

PORTAL = ["--portal-url", "http://127.0.0.1:9", "--portal-email", "a@acme.example",
          "--portal-password", "x-Passw0rd!"]
NO_X_SERVER = ":987"  # a display number nothing listens on


def _one_line_no_display(code: int, err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 2 and lines[1].startswith("remedy: "), lines
    assert lines[0].startswith("error: no display: set DISPLAY or run under xvfb-run"), lines


def test_launch_without_x_server_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """flows' launch() turns Chromium's 'Missing X server' into one-line ConfigError."""
    monkeypatch.setenv("DISPLAY", NO_X_SERVER)
    with sync_playwright() as playwright, pytest.raises(ConfigError) as caught:
        launch(playwright, BrowserOptions(headless=False))
    assert "\n" not in caught.value.message and "no display" in caught.value.message


def test_headed_verify_with_a_dead_display_leaves_nothing(
    cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_export: Path
) -> None:
    """verify --headed with DISPLAY set but no X server: exit 2, one line, no bundle, no run."""
    monkeypatch.setenv("DISPLAY", NO_X_SERVER)
    result = cli("verify", *PORTAL, "--idp", "file", "--idp-file", str(demo_export), "--headed")
    error_lines = [line for line in result.err.splitlines() if line.startswith(("error", "remedy"))]
    _one_line_no_display(result.code, "\n".join(error_lines))
    reports = tmp_path / "reports"
    assert not any(p.is_file() for p in reports.rglob("*")) if reports.exists() else True


def test_console_script_headed_without_display(h: Any, tmp_path: Path) -> None:
    """Through the real entry point, no DISPLAY at all: exit 2 and the two lines, nothing else."""
    env = {k: v for k, v in h.clean_env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([*h.console_script(), "--state-dir", str(tmp_path / "s"), "verify",
                           *PORTAL, "--idp", "file", "--idp-file", "x.csv", "--headed"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    _one_line_no_display(done.returncode, done.stderr)
