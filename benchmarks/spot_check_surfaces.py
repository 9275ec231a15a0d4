"""Benchmark: what `check` pays for its API Tokens and post-leave sign-in answers (demo tenant).

    .venv/bin/python benchmarks/spot_check_surfaces.py [--repeats 3]

One fixture portal process with the demo tenant; sign-in happens before the clock starts. Per
repeat, in one signed-in session: the two searches of one address (User Monitoring, Portal
Users: what `check` did before), the API Tokens read (every check now), and API Tokens plus the
Audit Trail from 10 days back (a check of a leaver who left 10 days ago). Printed: the median
and the slowest seconds of each, and the rows read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from read_user_monitoring import ADMIN, running_portal  # noqa: E402

from connector.models import utc_now  # noqa: E402
from flows.browser import BrowserOptions, find_chromium  # noqa: E402
from flows.collect import ReadOptions, collect  # noqa: E402
from flows.session import PortalSession, portal_session  # noqa: E402
from flows.sign_in import Credentials  # noqa: E402
from flows.spot_check import spot_check  # noqa: E402

DEMO = ROOT / "fixtures" / "tenants" / "demo.json"
LEAVER = "mark.jensen@acme.example"  # deprovisioned 10 days ago in the demo


def _timed(step: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = step()
    return time.perf_counter() - started, rows


def _steps(session: PortalSession, evidence: Path) -> dict[str, Callable[[], int]]:
    since = utc_now() - timedelta(days=10)
    both = ReadOptions(surfaces=("api_tokens", "audit_trail"), audit_since=since)
    return {
        "searches (UM + PU)": lambda: len(spot_check(session, [LEAVER], evidence)),
        "API Tokens": lambda: collect(session, ReadOptions(surfaces=("api_tokens",))).collections[
            0].read_count,
        "API Tokens + Audit Trail 10d": lambda: sum(
            c.read_count for c in collect(session, both).collections),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, running_portal(DEMO) as (url, _):
        credentials = Credentials(email=ADMIN["email"], password=ADMIN["password"])
        options = BrowserOptions(executable=find_chromium())
        with portal_session(url, credentials, options=options, state_dir=Path(tmp)) as session:
            for _ in range(args.repeats):
                for name, step in _steps(session, Path(tmp) / "evidence").items():
                    seconds, rows[name] = _timed(step)
                    times.setdefault(name, []).append(seconds)
    print(f"{'step':30} {'median s':>9} {'max s':>7} {'rows':>6}   ({args.repeats} repeats)")
    for name, values in times.items():
        print(f"{name:30} {statistics.median(values):9.2f} {max(values):7.2f} {rows[name]:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
