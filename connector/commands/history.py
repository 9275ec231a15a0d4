"""`history`: past runs of the tenant, and the findings still open with their age."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any, TextIO

from connector.cli import EXIT_VERIFIED
from connector.commands.context import Wiring, prepare
from connector.models import utc_now


def execute(args: argparse.Namespace) -> int:
    """Print the runs and open findings of the configured tenant (after pruning, with --prune)."""
    w = prepare(args)
    if getattr(args, "prune", False):
        prune_now(w)
    return show_history(w, limit=args.limit)


def prune_now(w: Wiring, out: TextIO | None = None) -> None:
    """Apply retention to the tenant under its lock, and say what went."""
    from connector.commands.history_store import history_of
    from connector.commands.retention import apply_retention
    from connector.lock import tenant_lock

    with tenant_lock(w.state_dir, w.tenant, run_id="prune"):
        pruned = apply_retention(w, history_of(w))
    print(f"pruned: {pruned.runs} run(s) from history, {len(pruned.bundles)} bundle(s) from "
          f"{w.reports_dir}", file=out or sys.stdout)


def show_history(w: Wiring, *, limit: int, out: TextIO | None = None) -> int:
    """Runs (newest first) and open findings (oldest first) as two plain tables."""
    from connector.commands.history_store import history_of

    stream = out or sys.stdout
    history = history_of(w)
    if not history.exists():
        print(f"no runs recorded yet for tenant '{w.tenant}' ({w.history_path})", file=stream)
        return EXIT_VERIFIED
    runs = history.runs(w.tenant, limit)
    print(f"runs of tenant '{w.tenant}' (newest first):", file=stream)
    for run in runs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items()) if v and k != "in_sync")
        kind = "  (spot check)" if run.run_type == "spot_check" else ""  # not a baseline/trend
        print(f"  {run.finished_at:%Y-%m-%d %H:%M}Z  {run.run_id}  {run.verdict:<12} {counts}"
              f"{kind}", file=stream)
    now = utc_now()
    opened = history.open_findings(w.tenant)
    print(f"open findings ({len(opened)}):", file=stream)
    for finding, since in opened:
        print(f"  {_key(finding):<60} open {age(now - since)} (since {since:%Y-%m-%d})",
              file=stream)
    return EXIT_VERIFIED


def _key(finding: Any) -> str:
    return str(getattr(finding, "key", finding))


def age(delta: timedelta) -> str:
    """A person's way of saying how long: '3 days', '5 hours', '12 minutes'."""
    seconds = max(int(delta.total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "moments"



