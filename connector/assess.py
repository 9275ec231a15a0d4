"""Trust assessment: which reads may carry a claim about an absence, and why a run is inconclusive.

Pure, like `connector.reconcile` (which re-exports these names); imports only models and rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from connector.models import (
    CollectionError,
    CollectionErrorKind,
    InconclusiveReason,
    Policy,
    ReasonDetail,
    Snapshot,
    Surface,
)
from connector.matching import identity_in_scope, normalise, scope_of
from connector.rules import IDENTITIES
from connector.rules_surfaces import window_gaps

NEEDED: tuple[Surface, ...] = ("user_monitoring", "portal_users")
# Judged when read (a snapshot without them is judged without them); an incomplete read of one
# is a reason like any other: "no leaver's token, no post-leave sign-in" rests on a complete read.
JUDGED_WHEN_READ: tuple[Surface, ...] = ("api_tokens", "audit_trail", "directory_sync")

_K, _R = CollectionErrorKind, InconclusiveReason
ERROR_REASON: dict[CollectionErrorKind, InconclusiveReason] = {
    _K.SIGN_IN_FAILED: _R.SIGN_IN_FAILED,
    _K.SESSION_EXPIRED: _R.SIGN_IN_FAILED,
    _K.PAGE_NOT_LOADED: _R.PAGE_NOT_LOADED,
    _K.TIMEOUT: _R.PAGE_NOT_LOADED,
    _K.MAINTENANCE: _R.MAINTENANCE,
    _K.UI_CHANGED: _R.UI_CHANGED,
    _K.COUNT_MISMATCH: _R.COUNT_MISMATCH,
    _K.DUPLICATE_ROWS: _R.COUNT_MISMATCH,
    _K.SOURCES_DISAGREE: _R.COUNT_MISMATCH,
    _K.TOTAL_CHANGED: _R.TOTAL_CHANGED,
    _K.ROWS_MOVED: _R.ROWS_MOVED,
    _K.READ_ONLY_VIOLATION: _R.READ_ONLY_VIOLATION,
    _K.HTTP_ERROR: _R.INCOMPLETE_READ,
    _K.RATE_LIMITED: _R.INCOMPLETE_READ,
    _K.PARSE_ERROR: _R.INCOMPLETE_READ,
}


def assess(snapshot: Snapshot, policy: Policy) -> tuple[list[ReasonDetail], set[str]]:
    """Reasons the run is inconclusive, and the reads (surfaces, 'identities') not to trust."""
    reasons: list[ReasonDetail] = []
    untrusted: set[str] = set()
    for surface in NEEDED:
        found = _surface_reasons(snapshot, surface)
        if found:
            reasons.extend(found)
            untrusted.add(surface)
    for surface in JUDGED_WHEN_READ:
        if snapshot.collection(surface) is not None:
            reasons.extend(_surface_reasons(snapshot, surface))
    reasons.extend(_window_reasons(snapshot, policy))
    reasons.extend(_read_only_reasons(snapshot))
    provider = _provider_reasons(snapshot)
    if provider:
        reasons.extend(provider)
        untrusted.add(IDENTITIES)
    for key, detail in _shrink_reasons(snapshot, policy, untrusted):
        reasons.append(detail)
        untrusted.add(key)
    return _unique_reasons(reasons), untrusted


def _surface_reasons(snapshot: Snapshot, surface: Surface) -> list[ReasonDetail]:
    collections = [c for c in snapshot.collections if c.surface == surface]
    if not collections:
        return [ReasonDetail(reason=_R.NOT_COLLECTED, surface=surface,
                             message=f"{surface} was not read in this run")]
    reasons: list[ReasonDetail] = []
    for c in collections:
        fatal = [e for e in c.errors if e.fatal]
        reasons.extend(_error_reason(e, surface) for e in fatal)
        if not c.complete and not fatal:
            reasons.append(ReasonDetail(reason=_R.INCOMPLETE_READ, surface=surface,
                                        message=f"{surface} ({c.source}) was not read completely"))
        if c.complete and c.expected_count is not None and c.expected_count != c.read_count:
            reasons.append(ReasonDetail(
                reason=_R.COUNT_MISMATCH, surface=surface,
                message=f"{surface} ({c.source}): read {c.read_count} rows of {c.expected_count}"))
    return reasons


def _error_reason(error: CollectionError, surface: Surface | None) -> ReasonDetail:
    reason = ERROR_REASON.get(error.kind, _R.INCOMPLETE_READ)
    return ReasonDetail(reason=reason, surface=surface, message=error.message)


def _window_reasons(snapshot: Snapshot, policy: Policy) -> list[ReasonDetail]:
    """Leavers whose time since leaving the Audit Trail window misses: their sign-ins unchecked."""
    source = snapshot.identity_source
    if source is None:
        return []
    scope = scope_of(policy.in_scope_domains)
    scoped = [i for i in source.identities if identity_in_scope(i, scope, policy.domain_map)]
    now = snapshot.run.finished_at or snapshot.run.started_at
    gaps = window_gaps(snapshot.collection("audit_trail"), scoped, now)
    if not gaps:
        return []
    names = ", ".join(sorted(normalise(i.email) for i in gaps)[:5])
    message = (f"the Audit Trail read did not cover the time since {len(gaps)} leaver(s) left "
               f"({names}{', …' if len(gaps) > 5 else ''}): their post-leave sign-ins are not "
               "checked; read the Audit Trail from before their change times")
    return [ReasonDetail(reason=_R.INCOMPLETE_READ, surface="audit_trail", message=message)]


def _read_only_reasons(snapshot: Snapshot) -> list[ReasonDetail]:
    """A blocked write anywhere (even on a surface the verdict does not need) taints the run."""
    return [_error_reason(e, c.surface) for c in snapshot.collections for e in c.errors
            if e.kind == CollectionErrorKind.READ_ONLY_VIOLATION]


def _provider_reasons(snapshot: Snapshot) -> list[ReasonDetail]:
    source = snapshot.identity_source
    if source is None:
        return [ReasonDetail(reason=_R.PROVIDER_FAILED, message="no identity source was read")]
    if source.complete:
        return []
    why = "; ".join(source.errors) or "the read was not complete"
    message = f"the {source.kind} identity source ({source.location}) is incomplete: {why}"
    return [ReasonDetail(reason=_R.PROVIDER_FAILED, message=message)]


def _shrink_reasons(
    snapshot: Snapshot, policy: Policy, untrusted: set[str]
) -> Iterable[tuple[str, ReasonDetail]]:
    """The shrink guard: a trusted count that fell by more than the share since the baseline."""
    for key, now_count in _current_counts(snapshot).items():
        before = snapshot.history.baseline_counts.get(key)
        if key in untrusted or not before:
            continue
        if before - now_count <= policy.shrink_guard_share * before:
            continue
        surface: Surface | None = key if key in NEEDED else None  # type: ignore[assignment]
        message = (f"{key} shrank from {before} to {now_count} since the last complete run "
                   f"(more than {policy.shrink_guard_share:.0%}); confirm the removals are real")
        yield key, ReasonDetail(reason=_R.SHRINK_GUARD, surface=surface, message=message)


def _current_counts(snapshot: Snapshot) -> dict[str, int]:
    counts = {s: c.read_count for s in NEEDED if (c := snapshot.collection(s)) is not None}
    if snapshot.identity_source is not None:
        counts[IDENTITIES] = len(snapshot.identity_source.identities)
    return counts


def _unique_reasons(reasons: Sequence[ReasonDetail]) -> list[ReasonDetail]:
    seen: dict[tuple[str, str, str], ReasonDetail] = {}
    for r in reasons:
        seen.setdefault((r.reason.value, r.surface or "", r.message), r)
    return sorted(seen.values(), key=lambda r: (r.reason.value, r.surface or "", r.message))
