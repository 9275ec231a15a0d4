"""Per-surface outcome rules of INTERFACES.md: User Monitoring and Portal Users.

Each rule returns `Draft`s: a finding plus the read its claim rests on when it rests on an
*absence* (a row not seen, an identity not known), so that `connector.reconcile` can turn it into
`unverified` when that read is not trustworthy. Imports only models and `connector.matching`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.matching import IdentityIndex, identity_in_scope, in_scope, normalise
from connector.models import (
    DEFAULT_SEVERITY,
    Finding,
    Identity,
    MatchRule,
    MonitoredUser,
    Outcome,
    PortalUser,
    Surface,
)

IDENTITIES = "identities"  # the pseudo-surface of the identity source, for `Draft.rests_on`


@dataclass(frozen=True)
class Draft:
    """A finding and the read (a surface, or 'identities') its absence-based claim rests on."""

    finding: Finding
    rests_on: str | None = None


@dataclass(frozen=True)
class Context:
    """What every rule needs: the clock, the grace period, the index and the scope."""

    now: datetime
    grace: timedelta
    index: IdentityIndex
    scope: frozenset[str]
    domain_map: dict[str, str]


def make_finding(
    outcome: Outcome, surface: Surface, subject: str, message: str, **extra: object
) -> Finding:
    """A finding with its stable key and default severity."""
    subject = normalise(subject)
    return Finding(
        key=f"{outcome.value}:{surface}:{subject}",
        outcome=outcome,
        severity=DEFAULT_SEVERITY[outcome],
        subject=subject,
        surface=surface,
        message=message,
        **extra,  # type: ignore[arg-type]
    )


def _within_grace(start: datetime | None, ctx: Context) -> bool:
    """True when a change at `start` is still younger than the grace period."""
    return start is not None and start + ctx.grace > ctx.now


def _pending(
    identity: Identity, start: datetime, ctx: Context, what: str, details: dict[str, str],
    **extra: object,
) -> Finding:
    """Differs, but the change is younger than the grace period: says when it becomes overdue."""
    overdue = start + ctx.grace
    message = (f"{what}; the change is younger than the grace period "
               f"(overdue at {overdue.isoformat()})")
    return make_finding(Outcome.PENDING, "user_monitoring", identity.email, message,
                        identity_id=identity.id, changed_at=identity.changed_at,
                        overdue_at=overdue, details=details, **extra)


# --- User Monitoring ------------------------------------------------------------------------


def user_monitoring(
    identities: Sequence[Identity], rows: Sequence[MonitoredUser], ctx: Context
) -> list[Draft]:
    """Findings for User Monitoring: per row (orphan, ambiguous), then per identity."""
    drafts: list[Draft] = []
    hits: dict[str, list[tuple[MonitoredUser, MatchRule]]] = defaultdict(list)
    covered: set[str] = set()  # identities already reported through an ambiguous row
    for row in (r for r in rows if in_scope(r.address, ctx.scope)):
        match = ctx.index.match(row.address)
        if not match.identities:
            drafts.append(_orphan(row))
        elif match.unique is None:
            covered.update(i.id for i in match.identities)
            drafts.append(_ambiguous_row(row.address, "user_monitoring", match.identities,
                                         match.rule))
        else:
            hits[match.unique.id].append((row, match.rule))
    for identity in _scoped(identities, ctx):
        own = hits.get(identity.id, [])
        if own or identity.id not in covered:  # an ambiguous row alone proves nothing either way
            drafts.append(_monitoring_identity(identity, own, ctx))
    return drafts


def _scoped(identities: Iterable[Identity], ctx: Context) -> Iterable[Identity]:
    return (i for i in identities if identity_in_scope(i, ctx.scope, ctx.domain_map))


def _orphan(row: MonitoredUser) -> Draft:
    message = "monitored by Tessian, but the identity provider does not know this address"
    finding = make_finding(Outcome.ORPHAN, "user_monitoring", row.address, message,
                           details={"observed": "present", "row_address": normalise(row.address)})
    return Draft(finding, rests_on=IDENTITIES)


def _ambiguous_row(
    address: str, surface: Surface, identities: Sequence[Identity], rule: MatchRule
) -> Draft:
    ids = ", ".join(i.id for i in identities)
    message = f"this address matches {len(identities)} identities ({ids}); correlate them by hand"
    return Draft(make_finding(Outcome.AMBIGUOUS, surface, address, message, match_rule=rule,
                              details={"identity_ids": ids, "row_address": normalise(address)}))


def _ambiguous_identity(identity: Identity, addresses: Sequence[str], surface: Surface) -> Draft:
    listed = ", ".join(sorted(normalise(a) for a in addresses))
    message = f"this identity matches {len(addresses)} rows ({listed}); correlate them by hand"
    return Draft(make_finding(Outcome.AMBIGUOUS, surface, identity.email, message,
                              identity_id=identity.id, details={"row_addresses": listed}))


def _monitoring_identity(
    identity: Identity, hits: Sequence[tuple[MonitoredUser, MatchRule]], ctx: Context
) -> Draft:
    if len(hits) > 1:
        return _ambiguous_identity(identity, [row.address for row, _ in hits], "user_monitoring")
    hit = hits[0] if hits else None
    if identity.active and identity.protected:
        return _expected_present(identity, *hit, ctx) if hit else _expected_absent(identity, ctx)
    return _unexpected_present(identity, *hit, ctx) if hit else _unexpected_absent(identity)


def _expected_present(
    identity: Identity, row: MonitoredUser, rule: MatchRule, ctx: Context
) -> Draft:
    details = {"observed": "present", "row_address": normalise(row.address),
               "sync_state": row.sync_state, "status": row.status}
    delay = _delay(identity, row)
    if delay is not None:
        details["delay"] = "observed"  # first seen minus the provider's change
    common = {"identity_id": identity.id, "match_rule": rule, "changed_at": identity.changed_at,
              "delay": delay}
    if row.sync_state == "Live" and row.status == "Good connection":
        return Draft(make_finding(Outcome.IN_SYNC, "user_monitoring", identity.email,
                                  "protected, and shown as Live with a good connection",
                                  details=details, **common))
    start = identity.changed_at or row.user_created
    if start is not None and _within_grace(start, ctx):
        what = f"present but {row.sync_state} / {row.status}"
        return Draft(_pending(identity, start, ctx, what, details, match_rule=rule, delay=delay))
    message = f"present, but {row.sync_state} / {row.status} past the grace period"
    return Draft(make_finding(Outcome.DEGRADED, "user_monitoring", identity.email, message,
                              details=details, **common))


def _expected_absent(identity: Identity, ctx: Context) -> Draft:
    details = {"observed": "absent"}
    if identity.provisioning_error:
        details["provisioning_error"] = identity.provisioning_error
    if identity.changed_at is not None and _within_grace(identity.changed_at, ctx):
        what = "expected in User Monitoring, not there yet"
        return Draft(_pending(identity, identity.changed_at, ctx, what, details),
                     rests_on="user_monitoring")
    message = "should be protected, but is absent from User Monitoring past the grace period"
    if identity.provisioning_error:
        message += f" (provider reports a provisioning error: {identity.provisioning_error})"
    return Draft(make_finding(Outcome.MISSING, "user_monitoring", identity.email, message,
                              identity_id=identity.id, changed_at=identity.changed_at,
                              details=details), rests_on="user_monitoring")


def _unexpected_present(
    identity: Identity, row: MonitoredUser, rule: MatchRule, ctx: Context
) -> Draft:
    why = "inactive" if not identity.active else "not assigned to the protected set"
    details = {"observed": "present", "row_address": normalise(row.address), "reason": why}
    if identity.changed_at is not None and _within_grace(identity.changed_at, ctx):
        what = f"{why}, still in User Monitoring"
        return Draft(_pending(identity, identity.changed_at, ctx, what, details, match_rule=rule))
    message = f"{why} in the identity provider, but still in User Monitoring past the grace period"
    return Draft(make_finding(Outcome.NOT_REMOVED, "user_monitoring", identity.email, message,
                              identity_id=identity.id, match_rule=rule,
                              changed_at=identity.changed_at, details=details))


def _unexpected_absent(identity: Identity) -> Draft:
    message = "not expected in User Monitoring, and absent from it"
    return Draft(make_finding(Outcome.IN_SYNC, "user_monitoring", identity.email, message,
                              identity_id=identity.id, changed_at=identity.changed_at,
                              details={"observed": "absent"}), rests_on="user_monitoring")


def _delay(identity: Identity, row: MonitoredUser) -> timedelta | None:
    """Observed onboarding delay: the provider's change until Tessian first saw the user."""
    if identity.changed_at is None or row.user_created is None:
        return None
    delay = row.user_created - identity.changed_at
    return delay if delay >= timedelta(0) else None


# --- Portal Users ---------------------------------------------------------------------------


def portal_users(rows: Sequence[PortalUser], ctx: Context) -> list[Draft]:
    """Findings for active or invited portal accounts; deactivated accounts are fine."""
    drafts: list[Draft] = []
    hits: dict[str, list[tuple[PortalUser, Identity, MatchRule]]] = defaultdict(list)
    for row in rows:
        if row.status == "Deactivated" or not in_scope(row.email, ctx.scope):
            continue
        match = ctx.index.match(row.email)
        if not match.identities:
            drafts.append(_unknown_account(row))
        elif match.unique is None:
            drafts.append(_ambiguous_row(row.email, "portal_users", match.identities, match.rule))
        else:
            hits[match.unique.id].append((row, match.unique, match.rule))
    for accounts in hits.values():
        drafts.extend(_accounts_of_identity(accounts))
    return drafts


def _accounts_of_identity(
    accounts: Sequence[tuple[PortalUser, Identity, MatchRule]],
) -> list[Draft]:
    identity = accounts[0][1]
    # A leaver's accounts must all go, so several of them stay critical rather than ambiguous.
    if len(accounts) > 1 and identity.active:
        emails = [row.email for row, _, _ in accounts]
        return [_ambiguous_identity(identity, emails, "portal_users")]
    return [_account(row, ident, rule) for row, ident, rule in accounts]


def _unknown_account(row: PortalUser) -> Draft:
    message = f"{row.status} portal account ({row.role}) that the identity provider does not know"
    finding = make_finding(Outcome.UNMANAGED_ADMIN, "portal_users", row.email, message,
                           details=_account_details(row))
    return Draft(finding, rests_on=IDENTITIES)


def _account(row: PortalUser, identity: Identity, rule: MatchRule) -> Draft:
    account = f"{row.status} portal account ({row.role})"
    if not identity.active:
        outcome, message = Outcome.ACCESS_RETAINED, f"a leaver still holds an {account}"
    elif not identity.portal_access:
        outcome = Outcome.UNMANAGED_ADMIN
        message = f"{account} without portal access in the identity provider"
    else:
        outcome, message = Outcome.IN_SYNC, f"{account} with portal access"
    return Draft(make_finding(outcome, "portal_users", row.email, message, identity_id=identity.id,
                              match_rule=rule, changed_at=identity.changed_at,
                              details=_account_details(row)))


def _account_details(row: PortalUser) -> dict[str, str]:
    return {"observed": "present", "row_address": normalise(row.email), "role": row.role,
            "status": row.status, "sign_in_method": row.sign_in_method}
