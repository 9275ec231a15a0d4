"""Propagation delays: the provider's change, until the Audit Trail shows it landing in Tessian.

Pairing, per in-scope identity with a known `changed_at`:
- a joiner (active and protected: it became protected) pairs with the first "User Added" event;
- a leaver (anything else: it stopped being protected) pairs with the first "User Removed" event;
taking the first event at or after `changed_at` that names the identity. An event names the
identities its details mention by address, matched like User Monitoring rows (primary email,
alias, domain map); an address that matches several identities names none of them. The Audit
Trail page shows times to the minute (portal-model.md), so when it was read from the DOM an event
shown in the minute of the change may be after it: it counts, and its delay is clamped at 0 s.

Trust: delays are measured only when every Audit Trail read is complete and the identity source
is complete, and only for changes inside the window the Audit Trail was read over. With a partial Audit Trail the first matching event may be the one not read, and a
later one would pass for it, so a partial read gives `None` (not measured), never figures.

Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at
rank ceil(p/100 * n) (1-based), so it is always one of the measured delays, never interpolated.
Changes not yet landed are not counted (their delay is still unknown), so p95 describes the
changes that landed, not the ones still in flight; `pending` findings say how many those are.

Pure, like `connector.reconcile`: imports only models and `connector.matching`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.matching import IdentityIndex, identity_in_scope, normalise, scope_of
from connector.models import AuditEvent, Finding, Identity, Policy, Propagation, Snapshot

JOINED, LEFT = "User Added", "User Removed"
MINUTE = timedelta(minutes=1)  # the resolution of the Audit Trail page's "Time" column
_ADDRESS = re.compile(r"[^\s@<>()\[\]{},;:\"']+@[^\s@<>()\[\]{},;:\"']+")


@dataclass(frozen=True)
class Landing:
    """One identity's change and the Audit Trail event that shows it landed."""

    identity_id: str
    event_type: str
    changed_at: datetime
    landed_at: datetime

    @property
    def delay(self) -> timedelta:
        """How long the change took to reach Tessian (0 s for an event shown in its minute)."""
        return max(self.landed_at - self.changed_at, timedelta(0))


def with_propagation(
    findings: Sequence[Finding], snapshot: Snapshot, policy: Policy
) -> tuple[list[Finding], Propagation | None]:
    """The findings with measured delays attached, and the run's figures (None: not measured)."""
    if not trusted(snapshot):
        return list(findings), None
    found = landings(_identities(snapshot, policy), snapshot.audit_events,
                     IdentityIndex.build(_all_identities(snapshot), policy.domain_map),
                     resolution(snapshot))
    figures = summarise([landing.delay.total_seconds() for landing in found.values()])
    return [_with_delay(f, found.get(f.identity_id or "")) for f in findings], figures


def trusted(snapshot: Snapshot) -> bool:
    """Whether the reads behind a measurement are complete: Audit Trail and identity source."""
    audit = [c for c in snapshot.collections if c.surface == "audit_trail"]
    source = snapshot.identity_source
    audit_complete = bool(audit) and all(c.complete for c in audit)
    return audit_complete and source is not None and source.complete


def resolution(snapshot: Snapshot) -> timedelta:
    """How precisely the events' times are known: to the minute when the DOM page was read."""
    dom = any(c.surface == "audit_trail" and c.source == "dom" for c in snapshot.collections)
    return MINUTE if dom else timedelta(0)


def _all_identities(snapshot: Snapshot) -> tuple[Identity, ...]:
    return snapshot.identity_source.identities if snapshot.identity_source else ()


def _identities(snapshot: Snapshot, policy: Policy) -> list[Identity]:
    """The in-scope identities whose change time is known and inside the Audit Trail's window
    (a change before the window's start may have landed unseen, and a later event pass for it)."""
    scope = scope_of(policy.in_scope_domains)
    since = _window_start(snapshot)
    return [i for i in _all_identities(snapshot) if i.changed_at is not None
            and (since is None or i.changed_at >= since)
            and identity_in_scope(i, scope, policy.domain_map)]


def _window_start(snapshot: Snapshot) -> datetime | None:
    """Where the Audit Trail read started (the latest start of its reads; None: from the first)."""
    starts = [c.window_since for c in snapshot.collections
              if c.surface == "audit_trail" and c.window_since is not None]
    return max(starts) if starts else None


def expected_event(identity: Identity) -> str:
    """The Audit Trail event type that shows this identity's last change landing."""
    return JOINED if identity.active and identity.protected else LEFT


def landings(
    identities: Iterable[Identity], events: Iterable[AuditEvent], index: IdentityIndex,
    resolution: timedelta = timedelta(0),
) -> dict[str, Landing]:
    """Identity id -> its landing, for each identity whose change the events show landing.

    `resolution`: events' times are known to within it (shown time <= true time < + resolution).
    """
    times = event_times(events, index)
    out: dict[str, Landing] = {}
    for identity in identities:
        kind = expected_event(identity)
        moments = times.get((identity.id, kind), [])
        landed = first_at_or_after(moments, identity.changed_at, resolution)
        if landed is not None and identity.changed_at is not None:
            out[identity.id] = Landing(identity.id, kind, identity.changed_at, landed)
    return out


def event_times(
    events: Iterable[AuditEvent], index: IdentityIndex
) -> dict[tuple[str, str], list[datetime]]:
    """(identity id, event type) -> sorted times of the joiner/leaver events naming it."""
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for event in events:
        if event.type not in (JOINED, LEFT):
            continue
        for identity_id in named_identities(event.details, index):
            times[(identity_id, event.type)].append(event.timestamp)
    for moments in times.values():
        moments.sort()
    return times


def named_identities(details: str, index: IdentityIndex) -> set[str]:
    """Ids of the identities an event's details name by address, each matched uniquely."""
    ids: set[str] = set()
    for address in _ADDRESS.findall(details):
        value = normalise(address.rstrip("."))
        direct = index.by_email.get(value, ())
        if len(direct) == 1:  # the common case, without the full match's sorting
            ids.add(direct[0].id)
            continue
        match = index.match(value)
        if match.unique is not None:
            ids.add(match.unique.id)
    return ids


def first_at_or_after(
    moments: Sequence[datetime], start: datetime | None, resolution: timedelta = timedelta(0)
) -> datetime | None:
    """The earliest of sorted `moments` that may be at or after `start` (None: there is none).

    A moment known to `resolution` may be as late as `moment + resolution` (exclusive).
    """
    if start is None:
        return None
    if resolution > timedelta(0):
        position = bisect_right(moments, start - resolution)
    else:
        position = bisect_left(moments, start)
    return moments[position] if position < len(moments) else None


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (0 < p <= 100) of a non-empty sequence: a value from it."""
    if not values or not 0 < p <= 100:
        raise ValueError(f"percentile needs values and 0 < p <= 100 (got {len(values)}, {p})")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def summarise(delays_s: Sequence[float]) -> Propagation:
    """The run's figures: count, nearest-rank p50 and p95, and the maximum (seconds)."""
    if not delays_s:
        return Propagation(count=0)
    return Propagation(count=len(delays_s), p50_s=percentile(delays_s, 50),
                       p95_s=percentile(delays_s, 95), max_s=max(delays_s))


def _with_delay(finding: Finding, landing: Landing | None) -> Finding:
    """The identity's User Monitoring finding, carrying the delay the Audit Trail shows."""
    if landing is None or finding.surface != "user_monitoring":
        return finding
    details = {**finding.details, "delay": "audit_trail", "landed_at": _iso(landing.landed_at),
               "landed_event": landing.event_type}
    return finding.model_copy(update={"delay": landing.delay, "details": details})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
