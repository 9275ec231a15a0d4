"""Rules for the surfaces User Monitoring and Portal Users do not cover: API Tokens, Audit Trail
sign-ins and Directory Sync.

- An API token carries its creator's permissions and dies with them: a token created by a leaver
  is `leaver_token`, by someone the provider does not know `unknown_token` (an absence-based claim,
  so it rests on the identity source), and the connector's own token (named by
  `Policy.api_token_name`) created by a leaver is `own_token_leaver`: it will stop working.
- A "Sign In" event performed by a leaver after the provider's change time is `post_leave_sign_in`.
  The Audit Trail read covers a window; `window_gaps` names the leavers whose time since leaving it
  does not cover, so that an absence of sign-ins is never claimed for them.
- Directory Sync Failing, Paused or with no successful sync within `Policy.sync_stale_after` is
  `sync_unhealthy`, and `with_likely_cause` names it on every missing/not_removed finding.

Pure, like `connector.rules`: imports only models and `connector.matching`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from connector.matching import IdentityIndex, in_scope, normalise
from connector.models import (
    ApiToken,
    AuditEvent,
    Collection,
    DirectorySync,
    Finding,
    Identity,
    MatchRule,
    Outcome,
)
from connector.rules import IDENTITIES, Draft, make_finding

SIGN_IN = "Sign In"  # the Audit Trail event type of a successful portal sign-in
SYNC_SUBJECT = "directory-sync"  # the subject of the tenant-wide sync_unhealthy finding
CAUSED_BY_SYNC = (Outcome.MISSING, Outcome.NOT_REMOVED)


# --- API Tokens -----------------------------------------------------------------------------


def api_tokens(rows: Sequence[ApiToken], index: IdentityIndex, scope: frozenset[str],
               api_token_name: str | None) -> list[Draft]:
    """One finding per creator of tokens who is a leaver or unknown; the own token's warning."""
    by_creator: dict[str, list[ApiToken]] = defaultdict(list)
    for row in rows:
        if in_scope(row.created_by, scope):
            by_creator[normalise(row.created_by)].append(row)
    drafts: list[Draft] = []
    for creator, tokens in sorted(by_creator.items()):
        drafts.extend(_creator_drafts(creator, tokens, index, api_token_name))
    return drafts


def _creator_drafts(creator: str, tokens: Sequence[ApiToken], index: IdentityIndex,
                    api_token_name: str | None) -> list[Draft]:
    match = index.match(creator)
    details = _token_details(tokens)
    if not match.identities:
        message = (f"{_tokens_text(tokens)} created by someone the identity provider does not "
                   "know: nobody is accountable for them; revoke or reassign")
        return [Draft(make_finding(Outcome.UNKNOWN_TOKEN, "api_tokens", creator, message,
                                   details=details), rests_on=IDENTITIES)]
    identity = match.unique
    if identity is None or identity.active:
        return []  # a token of an active creator is fine; an ambiguous creator proves nothing
    drafts = [Draft(_leaver_token(creator, tokens, identity, match.rule, details))]
    own = [t for t in tokens if api_token_name and t.name == api_token_name]
    if own:
        drafts.append(Draft(_own_token(creator, own[0], identity, match.rule)))
    return drafts


def _leaver_token(creator: str, tokens: Sequence[ApiToken], identity: Identity,
                  rule: MatchRule, details: dict[str, str]) -> Finding:
    message = (f"{_tokens_text(tokens)} created by a leaver: a token carries its creator's "
               "permissions; revoke it and issue one from a current account")
    return make_finding(Outcome.LEAVER_TOKEN, "api_tokens", creator, message,
                        identity_id=identity.id, match_rule=rule, changed_at=identity.changed_at,
                        details=details)


def _own_token(creator: str, token: ApiToken, identity: Identity, rule: MatchRule) -> Finding:
    message = (f'the API token this connector uses ("{token.name}") was created by a leaver; it '
               "dies with its creator's account: issue a new one from a service account")
    return make_finding(Outcome.OWN_TOKEN_LEAVER, "api_tokens", creator, message,
                        identity_id=identity.id, match_rule=rule, changed_at=identity.changed_at,
                        details={"token": token.name, "observed": "present"})


def _tokens_text(tokens: Sequence[ApiToken]) -> str:
    names = ", ".join(f'"{t.name}"' for t in tokens)
    return f"API token {names}" if len(tokens) == 1 else f"{len(tokens)} API tokens ({names})"


def _token_details(tokens: Sequence[ApiToken]) -> dict[str, str]:
    details = {"observed": "present", "tokens": ", ".join(t.name for t in tokens)}
    used = [t.last_used for t in tokens if t.last_used is not None]
    if used:
        details["last_used"] = max(used).isoformat()
    return details


# --- Audit Trail: sign-ins after leaving ----------------------------------------------------


def leavers(identities: Sequence[Identity]) -> list[Identity]:
    """Identities the provider says are gone, with the time they went (the rule needs it)."""
    return [i for i in identities if not i.active and i.changed_at is not None]


def post_leave_sign_ins(events: Sequence[AuditEvent], index: IdentityIndex,
                        scope: frozenset[str]) -> list[Draft]:
    """One critical finding per leaver with "Sign In" events after their change time."""
    late: dict[str, list[AuditEvent]] = defaultdict(list)
    identities: dict[str, tuple[Identity, MatchRule]] = {}
    for event in events:
        if event.type != SIGN_IN or not event.user or not in_scope(event.user, scope):
            continue
        match = index.match(event.user)
        who = match.unique
        if who is None or who.active or who.changed_at is None or event.timestamp <= who.changed_at:
            continue
        late[who.id].append(event)
        identities[who.id] = (who, match.rule)
    return [Draft(_sign_in_finding(*identities[i], late[i])) for i in sorted(late)]


def _sign_in_finding(identity: Identity, rule: MatchRule,
                     events: Sequence[AuditEvent]) -> Finding:
    ordered = sorted(events, key=lambda e: e.timestamp)
    last = ordered[-1]
    message = (f"signed in to the portal {len(ordered)} time(s) after leaving "
               f"(left {_iso(identity.changed_at)}; last sign-in {_iso(last.timestamp)}"
               f"{f' from {last.ip}' if last.ip else ''})")
    details = {"observed": "present", "sign_ins": str(len(ordered)),
               "first_sign_in": _iso(ordered[0].timestamp), "last_sign_in": _iso(last.timestamp)}
    if last.ip:
        details["last_ip"] = last.ip
    return make_finding(Outcome.POST_LEAVE_SIGN_IN, "audit_trail", identity.email, message,
                        identity_id=identity.id, match_rule=rule, changed_at=identity.changed_at,
                        details=details)


def window_gaps(collection: Collection | None, identities: Sequence[Identity],
                now: datetime) -> list[Identity]:
    """Leavers whose time since leaving the Audit Trail read did not cover (start to `now`)."""
    if collection is None:
        return []
    since, until = collection.window_since, collection.window_until
    ends_early = until is not None and until < now
    return [i for i in leavers(identities)
            if ends_early or (since is not None and i.changed_at is not None
                              and since > i.changed_at)]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else "unknown"


# --- Directory Sync -------------------------------------------------------------------------


def sync_problem(sync: DirectorySync | None, now: datetime, stale_after: timedelta) -> str | None:
    """Why Directory Sync is unhealthy (Failing, Paused, stale or never synced), or None."""
    if sync is None:
        return None
    if sync.provider is None:
        return "Directory Sync is not configured (no directory connected)"
    last = sync.last_successful_sync
    if sync.status != "Healthy":
        since = f"; last successful sync {_iso(last)}" if last else "; never synced"
        error = f"; last error: {sync.last_error}" if sync.last_error else ""
        return f"Directory Sync ({sync.provider}) is {sync.status}{since}{error}"
    if last is None:
        return f"Directory Sync ({sync.provider}) has never completed a sync"
    if now - last > stale_after:
        return (f"Directory Sync ({sync.provider}) last succeeded {_iso(last)}, more than "
                f"{_hours(stale_after)} ago")
    return None


def directory_sync(sync: DirectorySync | None, now: datetime,
                   stale_after: timedelta) -> list[Draft]:
    """The tenant-wide `sync_unhealthy` finding, when Directory Sync is unhealthy."""
    problem = sync_problem(sync, now, stale_after)
    if problem is None or sync is None:
        return []
    details = {"observed": sync.status, "provider": sync.provider or "not configured",
               "last_successful_sync": _iso(sync.last_successful_sync)}
    if sync.last_error:
        details["last_error"] = sync.last_error
    message = f"{problem}: provider changes are not reaching Tessian"
    return [Draft(make_finding(Outcome.SYNC_UNHEALTHY, "directory_sync", SYNC_SUBJECT, message,
                               details=details))]


def with_likely_cause(drafts: Sequence[Draft], problem: str | None) -> list[Draft]:
    """Missing and not_removed findings name an unhealthy Directory Sync as their likely cause."""
    if problem is None:
        return list(drafts)
    return [Draft(_caused(d.finding, problem), d.rests_on)
            if d.finding.outcome in CAUSED_BY_SYNC else d for d in drafts]


def _caused(finding: Finding, problem: str) -> Finding:
    details = {**finding.details, "likely_cause": problem}
    message = f"{finding.message}; likely cause: {problem}"
    return finding.model_copy(update={"message": message, "details": details})


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}h"
