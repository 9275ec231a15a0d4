"""Small pure helpers the renderers share: ordering, time formatting, derived figures.

Every relative time ("open for 3 days") is measured from `report.evaluated_at`, never from the
clock, so rendering the same report twice gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from statistics import median

from connector.models import (
    DEFAULT_SEVERITY,
    SEVERITY_RANK,
    Collection,
    Finding,
    Outcome,
    Report,
    Severity,
)

from ._text import NO_ACTION

OUTCOME_ORDER: tuple[Outcome, ...] = tuple(Outcome)


def sort_key(finding: Finding) -> tuple[int, int, str, str]:
    """Most severe first, then by outcome (vocabulary order), then subject and surface."""
    return (
        -SEVERITY_RANK[finding.severity],
        OUTCOME_ORDER.index(finding.outcome),
        finding.subject.casefold(),
        finding.surface or "",
    )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order (see `sort_key`)."""
    return sorted(findings, key=sort_key)


def at_or_above(severity: Severity, level: Severity) -> bool:
    """True when `severity` is at least as serious as `level`."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[level]


def is_failure(finding: Finding, report: Report) -> bool:
    """A finding that makes the run drift: not in sync and at or above the policy's fail level."""
    if finding.outcome in (Outcome.IN_SYNC, Outcome.UNVERIFIED):
        return False
    return at_or_above(finding.severity, report.policy.fail_level)


def needs_action(finding: Finding) -> bool:
    """A finding a person should act on now (not in sync, not pending, not allow-listed)."""
    return finding.outcome not in NO_ACTION


def outcome_counts(report: Report) -> dict[Outcome, int]:
    """Findings per outcome in vocabulary order, from the findings (zeros left out)."""
    counts = {o: 0 for o in OUTCOME_ORDER}
    for finding in report.findings:
        counts[finding.outcome] += 1
    return {o: n for o, n in counts.items() if n}


def summary_counts(counts: dict[str, int]) -> dict[str, int]:
    """Finding counts from a history record, split by default severity of each outcome."""
    buckets = {"serious": 0, "other": 0}
    for outcome, n in counts.items():
        try:
            severity = DEFAULT_SEVERITY[Outcome(outcome)]
        except ValueError:
            severity = Severity.MEDIUM  # an outcome from a newer version: count it, never drop it
        if severity == Severity.PASS:
            continue
        bucket = "serious" if at_or_above(severity, Severity.HIGH) else "other"
        buckets[bucket] += n
    return buckets


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 identity', '3 identities'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def utc(moment: datetime | None) -> str:
    """'2026-11-27 14:03 UTC', or an empty string."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(moment: datetime | None) -> str:
    """ISO-8601 in UTC with a Z (machine formats), or an empty string."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def duration(delta: timedelta | None) -> str:
    """A short human duration: '3 days', '5 h 20 min', '45 min', '20 s'."""
    if delta is None:
        return ""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 2:
        return f"{days} days"
    if days == 1:
        return f"1 day {hours} h" if hours else "1 day"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def open_for(finding: Finding, report: Report) -> str:
    """'open for 3 days' measured at evaluation time, or '' when history does not know."""
    if finding.open_since is None:
        return ""
    age = report.evaluated_at - finding.open_since
    if age < timedelta(minutes=1):  # first seen by this very run: "open for 0 s" reads as a bug
        return "new in this run"
    return f"open for {duration(age)}"


def read_modes(collections: Iterable[Collection]) -> dict[str, str]:
    """Surface -> 'dom', 'api' or 'cross-check' (both read)."""
    sources: dict[str, set[str]] = {}
    for collection in collections:
        sources.setdefault(collection.surface, set()).add(collection.source)
    return {s: "cross-check" if len(v) > 1 else next(iter(v)) for s, v in sources.items()}


def delay_stats(findings: Iterable[Finding]) -> dict[str, str] | None:
    """Count, median and slowest observed propagation delay, or None when none is known."""
    delays = [f.delay for f in findings if f.delay is not None]
    if not delays:
        return None
    mid = timedelta(seconds=median(d.total_seconds() for d in delays))
    return {"count": plural(len(delays), "change"), "median": duration(mid),
            "max": duration(max(delays))}
