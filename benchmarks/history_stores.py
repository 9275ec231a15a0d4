"""Benchmark: the history on SQLite and PostgreSQL: record, context, runs and prune latencies.

    .venv/bin/python benchmarks/history_stores.py [--runs 500] [--findings 50]
        [--postgres-url postgresql://tessian_test@127.0.0.1:5432/tessian_test]

Records --runs hourly runs of one tenant, each with --findings open findings (orphans), then
times `context()` (what every verify reads first), `runs(limit=20)` (the `history` command) and
one `prune` removing half of the runs. PostgreSQL: the URL from --postgres-url or
TESSIAN_TEST_POSTGRES_URL (password from PGPASSWORD / ~/.pgpass), in a throwaway schema;
skipped with a note when neither is given. Printed: milliseconds per call (medians; the prune
runs once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.history import History, open_history  # noqa: E402
from connector.models import Finding, Outcome, Report, RunInfo, Severity  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
REPEAT = 7  # reads are timed this many times; the median is printed


def report(i: int, findings: int) -> Report:
    """Run i: an hour after run i-1, drift, with `findings` orphan findings open since run 0."""
    at = START + timedelta(hours=i)
    run = RunInfo(run_id=f"run-{i:06d}", tool_version="bench", tenant="acme", portal_host="p",
                  started_at=at, finished_at=at)
    found = tuple(Finding(key=f"orphan:user_monitoring:u{n}@x.com", outcome=Outcome.ORPHAN,
                          severity=Severity.HIGH, subject=f"u{n}@x.com", message="not in IdP",
                          surface="user_monitoring", open_since=START)
                  for n in range(findings))
    return Report(run=run, verdict="drift", counts={"orphan": findings}, findings=found,
                  evaluated_at=at)


def _seconds(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def measure(name: str, history: History, runs: int, findings: int) -> None:
    reports = [report(i, findings) for i in range(runs)]
    took = []
    for r in reports:
        began = time.perf_counter()
        history.record(r)
        took.append(time.perf_counter() - began)
    timed = {"record": statistics.median(took)}
    for label, call in (("context()", lambda: history.context("acme")),
                        ("runs(limit=20)", lambda: history.runs("acme", 20))):
        timed[label] = statistics.median(_seconds(call) for _ in range(REPEAT))
    timed["prune half"] = _seconds(lambda: history.prune("acme", START + timedelta(
        hours=runs // 2)))
    figures = "  ".join(f"{k} {v * 1000:.1f} ms" for k, v in timed.items())
    print(f"{name:<10} {runs} runs x {findings} findings: {figures}")


def postgres(url: str, runs: int, findings: int) -> None:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        join = "&" if "?" in url else "?"
        store = open_history(Path("unused"), f"{url}{join}options=-csearch_path%3D{schema}")
        measure("postgresql", store, runs, findings)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--findings", type=int, default=50)
    parser.add_argument("--postgres-url", default=os.environ.get("TESSIAN_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", History(Path(tmp) / "history.sqlite3"), args.runs, args.findings)
    if args.postgres_url:
        postgres(args.postgres_url, args.runs, args.findings)
    else:
        print("postgresql: skipped (no --postgres-url / TESSIAN_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
