"""Spot checks of API Tokens and the Audit Trail: "tokens created by this person" and "sign-ins by
this person after they left", answered from complete reads of those pages.

Pure functions (no I/O). API Tokens has no search box, so the whole (short) list is read and
filtered here; the Audit Trail is read from the earliest asked leaver's change time (the page's
From filter), and a read whose window starts later cannot answer for that leaver. A person who
is not a known leaver with a change time gets no sign-in answer (there is no "after").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from connector.commands.spot_rules import Expectation, identity_details
from connector.matching import normalise
from connector.models import (
    DEFAULT_SEVERITY,
    ApiToken,
    AuditEvent,
    Collection,
    Finding,
    Identity,
    Outcome,
    SpotCheckResult,
    Surface,
)
from connector.rules_surfaces import SIGN_IN


def audit_since(left_at: Iterable[datetime | None]) -> datetime | None:
    """Where the Audit Trail read must start: the earliest change time of the asked leavers."""
    times = [t for t in left_at if t is not None]
    return min(times) if times else None


def left_at(identity: Identity | None, expected: Expectation) -> datetime | None:
    """When a known leaver left (the provider's change time); None: no "after" to check."""
    if identity is None or not expected.leaver or identity.active:
        return None
    return identity.changed_at


class SurfaceRead(Protocol):
    """What the spot check read of API Tokens and the Audit Trail (flows.collect.PortalRead)."""

    api_tokens: tuple[ApiToken, ...]
    audit_events: tuple[AuditEvent, ...]
    collections: tuple[Collection, ...]

    def collection(self, surface: Surface, source: str = "dom") -> Collection | None: ...


def surface_answers(addresses: dict[str, tuple[str, ...]], left: dict[str, datetime | None],
                    read: SurfaceRead | None) -> list[SpotCheckResult]:
    """Per person: tokens they created; for a leaver with a change time, sign-ins after it."""
    def of(surface: Surface) -> Collection | None:
        return read.collection(surface) if read is not None else None

    tokens, events = (read.api_tokens, read.audit_events) if read is not None else ((), ())
    out = [tokens_result(e, names, tokens, of("api_tokens")) for e, names in addresses.items()]
    return out + [sign_ins_result(e, addresses[e], when, events, of("audit_trail"))
                  for e, when in left.items() if when is not None]


def tokens_result(email: str, names: Sequence[str], tokens: Sequence[ApiToken],
                  read: Collection | None) -> SpotCheckResult:
    """The API tokens created under any of the person's addresses (complete read required)."""
    problem = _unread(read, "API Tokens")
    if problem:
        return SpotCheckResult(email=email, surface="api_tokens", found=False, conclusive=False,
                               message=problem)
    wanted = {normalise(n) for n in names}
    own = tuple(t for t in tokens if normalise(t.created_by) in wanted)
    listed = ", ".join(f'"{t.name}"' for t in own)
    message = (f"{len(own)} API token(s) created by this person: {listed}" if own
               else f"no API token created by {', '.join(names)} (of {len(tokens)} listed)")
    return SpotCheckResult(email=email, surface="api_tokens", found=bool(own), conclusive=True,
                           api_tokens=own, message=message)


def sign_ins_result(email: str, names: Sequence[str], left_at: datetime,
                    events: Sequence[AuditEvent], read: Collection | None) -> SpotCheckResult:
    """The person's "Sign In" events after `left_at`, if the read covered the time since."""
    problem = _unread(read, "the Audit Trail") or _window_problem(read, left_at)
    if problem:
        return SpotCheckResult(email=email, surface="audit_trail", found=False,
                               conclusive=False, message=problem)
    wanted = {normalise(n) for n in names}
    late = tuple(sorted((e for e in events if e.type == SIGN_IN and e.user
                         and normalise(e.user) in wanted and e.timestamp > left_at),
                        key=lambda e: e.timestamp))
    message = (f"{len(late)} sign-in(s) after leaving at {left_at.isoformat()}, the last "
               f"{late[-1].timestamp.isoformat()}" if late
               else f"no sign-in since leaving at {left_at.isoformat()}")
    return SpotCheckResult(email=email, surface="audit_trail", found=bool(late),
                           conclusive=True, sign_ins=late, message=message)


def _unread(read: Collection | None, page: str) -> str | None:
    if read is None:
        return f"{page} was not read"
    if read.complete:
        return None
    why = "; ".join(e.message for e in read.errors if e.fatal) or "not read completely"
    return f"{page} could not be read completely: {why}"


def _window_problem(read: Collection | None, left_at: datetime) -> str | None:
    since = read.window_since if read else None
    if since is None or since <= left_at:
        return None
    return (f"the Audit Trail was read only from {since.isoformat()}, after this person left "
            f"({left_at.isoformat()}): sign-ins since then are not checked")


def judge_surface(result: SpotCheckResult, expected: Expectation) -> list[Finding]:
    """One finding for a tokens or sign-ins answer: in_sync, a discrepancy, or unverified."""
    if not result.conclusive:
        return [_finding(result, expected, Outcome.UNVERIFIED, result.message)]
    if not result.found and not expected.claim:  # an address nobody knows is never vouched for
        return [_finding(result, expected, Outcome.UNVERIFIED,
                         f"{result.message}, but {expected.why}: nothing to compare with")]
    if not result.found:
        return [_finding(result, expected, Outcome.IN_SYNC, result.message)]
    if result.surface == "audit_trail":
        return [_finding(result, expected, Outcome.POST_LEAVE_SIGN_IN, result.message)]
    if expected.leaver:
        return [_finding(result, expected, Outcome.LEAVER_TOKEN,
                         f"{result.message}; created by a leaver ({expected.why})")]
    if not expected.claim:
        return [_finding(result, expected, Outcome.UNKNOWN_TOKEN,
                         f"{result.message}; {expected.why}")]
    return [_finding(result, expected, Outcome.IN_SYNC,
                     f"{result.message}; its creator is current ({expected.why})")]


def _finding(result: SpotCheckResult, expected: Expectation, outcome: Outcome,
             message: str) -> Finding:
    subject = normalise(result.email)
    return Finding(key=f"{outcome.value}:{result.surface}:{subject}", outcome=outcome,
                   severity=DEFAULT_SEVERITY[outcome], subject=result.email,
                   surface=result.surface, identity_id=expected.identity_id, message=message,
                   details={**identity_details(expected), **_rows(result)})


def _rows(result: SpotCheckResult) -> dict[str, str]:
    """The rows the answer rests on, as finding details (the report's evidence for it)."""
    if result.api_tokens:
        return {"tokens": ", ".join(t.name for t in result.api_tokens)}
    if result.sign_ins:
        last = result.sign_ins[-1]
        return {"sign_ins": str(len(result.sign_ins)), "last_sign_in": last.timestamp.isoformat(),
                **({"last_ip": last.ip} if last.ip else {})}
    return {}
