"""Benchmark: evaluate a snapshot and render the report bundle, for 1k / 10k / 100k identities.

    .venv/bin/python benchmarks/evaluate_and_render.py [--sizes 1000,10000,100000]

A synthetic snapshot per size: N identities and N monitored users that mostly agree, with 10 % of
rows drifting (leavers still present, joiners missing, unknown rows, degraded rows), read
completely. Printed per size: seconds to build the snapshot (pydantic), to evaluate it
(`connector.reconcile.evaluate`), to render all five bundle files, the number of findings, and
the Python peak memory (tracemalloc) over evaluate + render.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.models import (  # noqa: E402
    Collection,
    Identity,
    IdentitySource,
    MonitoredUser,
    Policy,
    RunInfo,
    Snapshot,
)
from connector.reconcile import evaluate  # noqa: E402
from connector.report import render_bundle  # noqa: E402

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=30)


def identity(i: int) -> Identity:
    """Person i: every 20th a leaver, every 40th unassigned from the protected app."""
    return Identity(id=f"u{i}", email=f"user{i}@acme.example", active=i % 20 != 0,
                    protected=i % 40 != 1, changed_at=LONG_AGO, source="file")


def monitored(i: int) -> MonitoredUser:
    """Row i: every 25th degraded; addresses past N are unknown to the provider (orphans)."""
    state = "Queued" if i % 25 == 0 else "Live"
    return MonitoredUser(id=i, address=f"user{i}@acme.example", sync_state=state,
                         status="Good connection", user_created=LONG_AGO)


def snapshot(n: int) -> Snapshot:
    """A complete read of n rows against n identities, ~10 % of them drifting."""
    rows = tuple(monitored(i) for i in range(n) if i % 30 != 2) + tuple(
        monitored(n + i) for i in range(n // 100))
    full = [Collection(surface=s, source="dom", complete=True, expected_count=c, read_count=c)
            for s, c in (("user_monitoring", len(rows)), ("portal_users", 0))]
    source = IdentitySource(kind="file", location="bench", complete=True,
                            identities=tuple(identity(i) for i in range(n)), read_at=NOW)
    run = RunInfo(run_id="bench", tool_version="bench", tenant="bench", portal_host="bench",
                  started_at=NOW, finished_at=NOW)
    return Snapshot(run=run, monitored_users=rows, collections=tuple(full), identity_source=source)


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    """Run fn(*args), print how long it took, return its result."""
    start = time.perf_counter()
    result = fn(*args)
    print(f"  {label:<10} {time.perf_counter() - start:7.2f} s", flush=True)
    return result


def run(n: int) -> None:
    """Build, evaluate and render one size; print the figures."""
    print(f"{n:,} identities / monitored users")
    snap = timed("snapshot", snapshot, n)
    tracemalloc.start()
    report = timed("evaluate", evaluate, snap, Policy())
    with tempfile.TemporaryDirectory() as out:
        timed("render", render_bundle, report, Path(out))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    drift = sum(1 for f in report.findings if f.outcome != "in_sync")
    print(f"  findings   {len(report.findings):,} ({drift:,} not in sync), verdict "
          f"{report.verdict}, Python peak {peak:,.0f} MiB")


def main() -> None:
    """Parse --sizes and run each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    for size in (int(s) for s in parser.parse_args().sizes.split(",")):
        run(size)


if __name__ == "__main__":
    main()
