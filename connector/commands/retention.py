"""Retention: what an hourly run leaves behind (history rows, report bundles) stays bounded.

Applied after each recorded `verify` run (and by `history --prune`), under the tenant lock:
- `history_keep_days` (TESSIAN_HISTORY_KEEP_DAYS, default 400): runs older than that leave the
  history store, except the last conclusive run (the shrink guard's baseline);
- `reports_keep_days` (TESSIAN_REPORTS_KEEP_DAYS, default 30): bundle folders under
  `reports/<tenant>/` older than that are deleted, except the newest 10 and the current one;
  bundles of runs that reached no verdict stay at least 30 days (lesson: failures are kept
  longer than successes, they are what someone investigates).
0 keeps everything. A failure to prune is logged and never changes a run's exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from connector.bundle import prune_bundles, safe_name
from connector.commands.context import Wiring
from connector.errors import ConfigError
from connector.history import History
from connector.logging import get_logger
from connector.models import utc_now


@dataclass(frozen=True)
class Pruned:
    """What one retention pass deleted."""

    runs: int = 0
    bundles: tuple[Path, ...] = ()


def apply_retention(w: Wiring, history: History, current: Path | None = None,
                    now: datetime | None = None) -> Pruned:
    """Prune the tenant's history and bundles per the settings; problems are logged, not raised."""
    now = now or utc_now()
    log = get_logger("connector.retention")
    try:
        runs = _prune_history(w, history, now)
        bundles = _prune_reports(w, current, now)
    except (ConfigError, OSError) as exc:
        log.warning("retention skipped", error=str(exc))
        return Pruned()
    if runs or bundles:
        log.info("retention applied", runs_deleted=runs, bundles_deleted=len(bundles))
    return Pruned(runs, tuple(bundles))


def _prune_history(w: Wiring, history: History, now: datetime) -> int:
    if not w.history_keep_days:
        return 0
    return history.prune(w.tenant, now - timedelta(days=w.history_keep_days))


def _prune_reports(w: Wiring, current: Path | None, now: datetime) -> list[Path]:
    if not w.reports_keep_days:
        return []
    tenant_dir = w.reports_dir / safe_name(w.tenant)
    return prune_bundles(tenant_dir, timedelta(days=w.reports_keep_days), now, current)
