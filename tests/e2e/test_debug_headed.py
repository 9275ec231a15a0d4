"""The third use, headful debugging: `debug` opens a real (headed) window, slowed down, and keeps
a trace. Runs under a virtual display (Xvfb), which `make test` installs on Debian/Ubuntu."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

XVFB_RUN = shutil.which("xvfb-run")
pytestmark = pytest.mark.skipif(
    XVFB_RUN is None,
    reason="xvfb-run is not installed: the headed debug session cannot be shown a display "
    "(apt-get install xvfb; `make test` does this on Debian/Ubuntu)",
)


def run_debug(h: Any, demo_args: Any, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`tessian-connector debug` as a subprocess on a virtual display, in its own folders."""
    argv = [XVFB_RUN or "xvfb-run", "-a", *h.console_script(), *demo_args.global_args,
            "--state-dir", str(tmp_path / ".state"), "--reports-dir", str(tmp_path / "reports"),
            "debug", "--slow-mo", "10", *demo_args.verify, *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=tmp_path,
                          env=h.clean_env(), stdin=subprocess.DEVNULL)


def test_headed_debug_reads_the_demo_and_keeps_a_trace(
    h: Any, demo_args: Any, tmp_path: Path
) -> None:
    """A headed, slowed-down debug run reaches the demo's verdict and prints how to open its trace."""
    result = run_debug(h, demo_args, tmp_path)
    assert result.returncode == 1, result.stderr  # the demo tenant drifts
    match = re.search(r"playwright show-trace (\S+trace\.zip)", result.stdout)
    assert match, result.stdout
    trace = Path(match.group(1))
    with zipfile.ZipFile(trace) as archive:
        assert any(name.endswith(".trace") for name in archive.namelist())
    assert "headless" not in result.stderr.lower()
