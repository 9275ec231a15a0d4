"""Start the source tree's fixture servers as subprocesses (the demo never imports `fixtures`).

The fixtures are not part of the wheel: they live next to `connector/` in a source checkout.
Each server prints its base URL as the first line of stdout; its stderr goes to a log file in the
state folder so a failure to start can be explained.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import connector
from connector.errors import ConfigError, ConnectorError
from connector.private_files import PRIVATE_UMASK, open_private

START_TIMEOUT_S = 60.0


def source_root() -> Path:
    """The source checkout holding `fixtures/` (next to the package, else the working folder)."""
    candidates = (Path(connector.__file__).resolve().parent.parent, Path.cwd())
    for root in candidates:
        if (root / "fixtures" / "portal").is_dir() and (root / "fixtures" / "tenants").is_dir():
            return root
    raise ConfigError(
        "the demo needs the fixtures folder of a source checkout, and none was found "
        f"(looked in {', '.join(str(c) for c in candidates)}); the installed wheel has no fixtures",
        remedy="Run the demo from a clone of the repository: 'make demo' (or 'cd <clone> && "
        "tessian-connector demo').",
    )


def fixture_env(root: Path) -> dict[str, str]:
    """The environment for a fixture subprocess: the checkout first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def run_fixture_tool(root: Path, args: Sequence[str], log_path: Path) -> None:
    """Run `python -m <args>` in the checkout to completion (e.g. the identity-export writer)."""
    with open_private(log_path) as log:  # what the tool writes (an identity export) is 0600 too
        done = subprocess.run([sys.executable, "-m", *args], cwd=root, env=fixture_env(root),
                              stdout=log, stderr=subprocess.STDOUT, check=False, timeout=120,
                              umask=PRIVATE_UMASK)
    if done.returncode != 0:
        raise ConnectorError(f"'python -m {' '.join(args)}' failed: {_tail(log_path)}",
                             remedy=f"See {log_path}; run 'make setup' to install the dev extras.")


@contextmanager
def fixture_server(
    root: Path, args: Sequence[str], log_path: Path, *, lines: int = 1
) -> Iterator[list[str]]:
    """Run `python -m <args>` until the block ends; yields its first `lines` stdout lines
    (the first is the base URL)."""
    with open_private(log_path) as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=root, env=fixture_env(root),
            stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1, umask=PRIVATE_UMASK,
        )
        printed: queue.Queue[str] = queue.Queue()
        pump = threading.Thread(target=_pump, args=(proc, printed), daemon=True)
        pump.start()
        try:
            yield _first_lines(printed, args, log_path, lines)
        finally:
            _stop(proc)
            pump.join(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


def _pump(proc: subprocess.Popen[str], printed: queue.Queue[str]) -> None:
    """Keep draining stdout so the server never blocks on a full pipe."""
    assert proc.stdout is not None
    for line in proc.stdout:
        printed.put(line)
    printed.put("")


def _first_lines(
    printed: queue.Queue[str], args: Sequence[str], log_path: Path, count: int
) -> list[str]:
    got: list[str] = []
    try:
        while len(got) < count:
            got.append(printed.get(timeout=START_TIMEOUT_S).strip())
    except queue.Empty:
        pass
    if len(got) < count or not got[0].startswith("http"):
        raise ConnectorError(
            f"the fixture server 'python -m {' '.join(args)}' did not start: {_tail(log_path)}",
            remedy=f"See {log_path}; run 'make setup' to install the dev extras.")
    return got


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(no output)"
