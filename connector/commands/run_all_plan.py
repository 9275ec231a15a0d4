"""`run-all`'s pure parts: which tenants a shard runs, each tenant's status, the aggregate exit code.

Shards: tenants sorted by name, tenant k (0-based) goes to shard k % n. Every tenant is in exactly
one shard and the shards differ in size by at most one; the partition depends only on the sorted
names (and --tenants), so every pod or CI job given the same file computes the same split.
Without --shard, TESSIAN_SHARD (same INDEX/COUNT form) is read.

Aggregate exit code (what a scheduler alerts on; the worst tenant wins, never hidden by others):
    2  some tenant's settings are wrong (or --tenants named a tenant the file does not list)
    3  else, some tenant was inconclusive, crashed, was killed or was not run
    1  else, some tenant has drift
    0  every tenant verified -- and also an empty shard (more shards than tenants), said on stderr
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from connector.errors import ConfigError

SHARD_ENV = "TESSIAN_SHARD"
RUN_ALL_FORMAT = "tessian-connector/run-all/1"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
# child exit code -> verdict shown when the child wrote no report (or the code says otherwise)
_CODE_VERDICT = {0: "verified", 1: "drift", 2: "config_error", 3: "inconclusive",
                 130: "interrupted", 143: "terminated"}


@dataclass(frozen=True)
class Shard:
    """Shard `index` (0-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """`i/n` with 0 <= i < n (Kubernetes' JOB_COMPLETION_INDEX is 0-based); ValueError if not."""
    found = _SHARD.match(text)
    if not found:
        raise ValueError(f"expected INDEX/COUNT such as 0/4, got {text!r}")
    index, count = int(found[1]), int(found[2])
    if count < 1:
        raise ValueError(f"the shard count must be at least 1 (got {text!r})")
    if index >= count:
        raise ValueError(f"the index is 0-based and must be below the count (got {text!r})")
    return Shard(index, count)


def shard_argument(text: str) -> Shard:
    """--shard's argparse type: argparse names the flag in its one-line refusal."""
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def shard_from_env(environ: Mapping[str, str] | None = None) -> Shard | None:
    """TESSIAN_SHARD (same `i/n` form), used when --shard is not given; None when unset."""
    text = (os.environ if environ is None else environ).get(SHARD_ENV, "").strip()
    if not text:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise ConfigError(f"{SHARD_ENV}: {exc}") from None


def in_shard(names: Sequence[str], shard: Shard | None) -> list[str]:
    """The names (sorted) that `shard` runs: the k-th sorted name when k % count == index."""
    ordered = sorted(names)
    if shard is None:
        return ordered
    return [name for k, name in enumerate(ordered) if k % shard.count == shard.index]


def select(names: Sequence[str], wanted: str | None, config: str) -> list[str]:
    """--tenants a,b: those tenants of the file (unknown names refused), else all of them."""
    if wanted is None:
        return list(names)
    chosen = [w.strip() for w in wanted.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in names]
    if not chosen or unknown:
        problem = f"no tenant {', '.join(map(repr, unknown))}" if unknown else "no tenant named"
        raise ConfigError(f"--tenants: {problem}; {config} lists: {', '.join(names) or 'none'}")
    return sorted(set(chosen))


@dataclass(frozen=True)
class TenantStatus:
    """How one tenant's run ended (exit_code None: it never started)."""

    tenant: str
    verdict: str
    exit_code: int | None
    findings: int | None = None  # findings other than in_sync, when a report was written
    duration_s: float = 0.0
    bundle: str | None = None
    message: str | None = None  # the run's error line, when it ended without a verdict


def verdict_for(code: int | None, report_verdict: str | None) -> str:
    """The tenant's verdict: the report's when its exit code agrees, else what the code means."""
    if code is None:
        return "not_run"
    by_code = _CODE_VERDICT.get(code, "failed")
    return report_verdict if report_verdict == by_code else by_code


def aggregate_exit(codes: Iterable[int | None]) -> int:
    """The run's exit code from its tenants' (module docstring); 0 for none at all."""
    seen = set(codes)
    if 2 in seen:
        return 2
    if seen - {0, 1}:  # 3, a crash, a signal, or a tenant that never ran (None)
        return 3
    return 1 if 1 in seen else 0


def summary_doc(statuses: Sequence[TenantStatus], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The run-all.json document (also `--json`)."""
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.verdict] = counts.get(status.verdict, 0) + 1
    return {"format": RUN_ALL_FORMAT, **meta,
            "exit_code": aggregate_exit(s.exit_code for s in statuses),
            "counts": dict(sorted(counts.items())),
            "tenants": [asdict(s) for s in statuses]}


def status_table(statuses: Sequence[TenantStatus]) -> list[str]:
    """The per-tenant table for people (names and paths made printable by the caller)."""
    header = ("TENANT", "VERDICT", "EXIT", "FINDINGS", "DURATION", "BUNDLE")
    rows = [header] + [(s.tenant, s.verdict, _dash(s.exit_code), _dash(s.findings),
                        f"{s.duration_s:.1f}s", s.bundle or (s.message or "-"))
                       for s in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip()
            for row in rows]


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)
