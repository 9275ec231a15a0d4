"""Benchmark: compare a run's findings with the last conclusive run's (connector.changes).

    .venv/bin/python benchmarks/changes.py [--sizes 1000,10000,100000]

Per size N: N open findings now and N in the last conclusive run; 5 % of the addresses replaced
by others (new + resolved) and 5 % moved from pending to missing (changed); 30 earlier runs. Printed: seconds for
`compute_changes` (best of 3) and the number of new / resolved / changed entries.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.changes import compute_changes  # noqa: E402
from connector.models import (  # noqa: E402
    DEFAULT_SEVERITY,
    Finding,
    HistoryContext,
    Outcome,
    RunSummary,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def finding(outcome: Outcome, i: int) -> Finding:
    """An open finding for address i."""
    subject = f"user{i}@acme.example"
    return Finding(key=f"{outcome.value}:user_monitoring:{subject}", outcome=outcome,
                   severity=DEFAULT_SEVERITY[outcome], subject=subject, surface="user_monitoring",
                   message="synthetic")


def inputs(n: int) -> tuple[list[Finding], HistoryContext]:
    """Findings now, and a history whose last conclusive run differs in 10 % of them."""
    before = [finding(Outcome.PENDING if i % 20 == 1 else Outcome.MISSING, i) for i in range(n)]
    now = [finding(Outcome.MISSING, i if i % 20 else n + i) for i in range(n)]
    runs = tuple(RunSummary(run_id=f"r{k}", finished_at=T0 + timedelta(hours=k), verdict="drift")
                 for k in range(30))
    return now, HistoryContext(previous_runs=runs, last_findings=tuple(before))


def main() -> None:
    """Print one line per size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'findings':>9} {'seconds':>8} {'new':>6} {'resolved':>8} {'changed':>7}")
    for n in sizes:
        now, history = inputs(n)
        best, changes = float("inf"), None
        for _ in range(3):
            start = time.perf_counter()
            changes = compute_changes(now, "drift", history)
            best = min(best, time.perf_counter() - start)
        assert changes is not None
        print(f"{n:>9} {best:>8.3f} {len(changes.new):>6} {len(changes.resolved):>8} "
              f"{len(changes.changed):>7}")


if __name__ == "__main__":
    main()
