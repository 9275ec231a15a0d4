"""The words every renderer shares: what each outcome means, what to do, why a run is inconclusive.

Kept in one place so report.html, summary.md, junit.xml and action-plan.csv never explain the same
outcome two different ways (field lesson 22: formats that disagree lose the reader's trust).
"""

from __future__ import annotations

from connector.models import InconclusiveReason, Outcome, Verdict

OUTCOME_LABEL: dict[Outcome, str] = {
    Outcome.IN_SYNC: "In sync",
    Outcome.PENDING: "Pending",
    Outcome.MISSING: "Missing",
    Outcome.NOT_REMOVED: "Not removed",
    Outcome.ACCESS_RETAINED: "Access retained",
    Outcome.UNMANAGED_ADMIN: "Unmanaged admin",
    Outcome.ORPHAN: "Orphan",
    Outcome.DEGRADED: "Degraded",
    Outcome.AMBIGUOUS: "Ambiguous",
    Outcome.EXCEPTED: "Excepted",
    Outcome.EXCEPTION_EXPIRED: "Exception expired",
    Outcome.UNVERIFIED: "Unverified",
    Outcome.LEAVER_TOKEN: "Leaver's API token",
    Outcome.UNKNOWN_TOKEN: "Unknown API token",
    Outcome.OWN_TOKEN_LEAVER: "Connector token at risk",
    Outcome.POST_LEAVE_SIGN_IN: "Sign-in after leaving",
    Outcome.SYNC_UNHEALTHY: "Directory Sync unhealthy",
}

OUTCOME_MEANING: dict[Outcome, str] = {
    Outcome.IN_SYNC: "The portal shows what the identity provider says.",
    Outcome.PENDING: "Differs, but the provider's change is younger than the grace period.",
    Outcome.MISSING: (
        "Should be protected, but is absent from User Monitoring past the grace period."
    ),
    Outcome.NOT_REMOVED: "Should be gone, but is still in User Monitoring past the grace period.",
    Outcome.ACCESS_RETAINED: "A leaver (per the provider) still holds an active portal account.",
    Outcome.UNMANAGED_ADMIN: "A portal account the identity provider does not know about.",
    Outcome.ORPHAN: "A monitored user the identity provider does not know about.",
    Outcome.DEGRADED: "Present, but its sync state is not Live or its connection is poor.",
    Outcome.AMBIGUOUS: "One row matches several identities, or one identity several rows.",
    Outcome.EXCEPTED: "An allow-listed case with an owner, a reason and an expiry.",
    Outcome.EXCEPTION_EXPIRED: "An exception for this address has expired.",
    Outcome.UNVERIFIED: "Could not be checked, because a read it depends on was incomplete.",
    Outcome.LEAVER_TOKEN: "An API token created by a leaver: it still carries their permissions.",
    Outcome.UNKNOWN_TOKEN: "An API token created by someone the identity provider does not know.",
    Outcome.OWN_TOKEN_LEAVER: (
        "The API token this connector uses was created by a leaver and dies with their account."
    ),
    Outcome.POST_LEAVE_SIGN_IN: (
        "A leaver signed in to the portal after the identity provider's change."
    ),
    Outcome.SYNC_UNHEALTHY: (
        "Directory Sync is failing, paused, or has not succeeded within the allowed time."
    ),
}

OUTCOME_ACTION: dict[Outcome, str] = {
    Outcome.IN_SYNC: "Nothing to do.",
    Outcome.PENDING: "Nothing yet: it becomes a finding if still not applied when overdue.",
    Outcome.MISSING: (
        "Check the person's assignment to the Tessian app and the provider's provisioning log; "
        "confirm Directory Sync is healthy."
    ),
    Outcome.NOT_REMOVED: (
        "Confirm the leaver in the identity provider, then check Directory Sync removes them "
        "from User Monitoring."
    ),
    Outcome.ACCESS_RETAINED: (
        "Deactivate the portal account now, then review the audit trail for activity since "
        "the person left."
    ),
    Outcome.UNMANAGED_ADMIN: (
        "Find the account's owner: assign them the portal app in the provider, or deactivate "
        "the account."
    ),
    Outcome.ORPHAN: (
        "Identify the mailbox: add it to the provider (or the domain map), or remove it from "
        "Tessian."
    ),
    Outcome.DEGRADED: (
        "Check the user's add-in and gateway connection; reinstall the add-in if it stays poor."
    ),
    Outcome.AMBIGUOUS: (
        "Fix the duplicate address or alias in the provider so exactly one identity matches."
    ),
    Outcome.EXCEPTED: "Nothing until the exception expires; its owner reviews it then.",
    Outcome.EXCEPTION_EXPIRED: "Ask the exception's owner to renew it or resolve the finding.",
    Outcome.UNVERIFIED: "Fix the read problem named in the verdict, then run again.",
    Outcome.LEAVER_TOKEN: (
        "Revoke the token in API Tokens; if an integration needs it, issue a new one from a "
        "current service account."
    ),
    Outcome.UNKNOWN_TOKEN: (
        "Find who owns the token: add its creator to the provider, or revoke it."
    ),
    Outcome.OWN_TOKEN_LEAVER: (
        "Issue a new token from a service account, switch the connector to it, then revoke "
        "the old one."
    ),
    Outcome.POST_LEAVE_SIGN_IN: (
        "Treat as an incident: deactivate the account, then review what it did in the Audit "
        "Trail since the person left."
    ),
    Outcome.SYNC_UNHEALTHY: (
        "Open Directory Sync in the portal, fix the error it shows (credentials, rate limits), "
        "and resume the sync; missing and not-removed findings may clear once it runs."
    ),
}

# Outcomes that ask a person to do something now (action-plan.csv rows, "needs action" counts).
NO_ACTION: frozenset[Outcome] = frozenset({Outcome.IN_SYNC, Outcome.PENDING, Outcome.EXCEPTED})

REASON_TEXT: dict[InconclusiveReason, tuple[str, str]] = {
    InconclusiveReason.SIGN_IN_FAILED: (
        "The connector could not sign in to the portal.",
        "Sign in by hand once to confirm the portal credentials and TOTP secret work; the "
        "connector never retries a rejected password.",
    ),
    InconclusiveReason.PAGE_NOT_LOADED: (
        "A portal page or its table never finished loading.",
        "Run again; if it recurs, raise --page-timeout or watch it with 'tessian-connector debug'.",
    ),
    InconclusiveReason.MAINTENANCE: (
        "The portal showed a maintenance page.",
        "Run again later.",
    ),
    InconclusiveReason.COUNT_MISMATCH: (
        "The rows read did not add up to the total the portal showed.",
        "Run again; if it recurs, watch that page with 'tessian-connector debug'.",
    ),
    InconclusiveReason.TOTAL_CHANGED: (
        "The portal's total changed while the list was being read.",
        "The tenant was changing during the run (often Directory Sync): run again.",
    ),
    InconclusiveReason.ROWS_MOVED: (
        "Rows moved between the pages of a portal list while it was being read (users synced in "
        "and out, the total unchanged), so a row may have been missed.",
        "The tenant was changing during the run (often Directory Sync): run again.",
    ),
    InconclusiveReason.UI_CHANGED: (
        "A portal page no longer looks the way the connector expects.",
        "Run 'tessian-connector doctor', then re-point the locator with a locator override.",
    ),
    InconclusiveReason.PROVIDER_FAILED: (
        "The identity provider could not be read completely.",
        "Check the provider settings and the permissions listed in the README, then run again.",
    ),
    InconclusiveReason.SHRINK_GUARD: (
        "A portal list shrank by more than the allowed share since the last good run.",
        "Check whether the mass removal is real (Directory Sync, audit trail) before trusting "
        "any result; then run again.",
    ),
    InconclusiveReason.READ_ONLY_VIOLATION: (
        "Something tried to change the tenant and was blocked.",
        "This is a connector bug: report it with the run's log.",
    ),
    InconclusiveReason.INCOMPLETE_READ: (
        "A portal list could not be read completely.",
        "See the collection health table for the failing surface, fix it, and run again.",
    ),
    InconclusiveReason.NOT_COLLECTED: (
        "A surface the verdict needs was not read at all.",
        "Run with the user_monitoring and portal_users surfaces enabled.",
    ),
    InconclusiveReason.UNKNOWN_IDENTITY: (
        "A checked address is unknown to the identity provider, so nothing says what it "
        "should look like.",
        "Check the address for a typo; for a leaver already deleted from the provider, run "
        "the check again with --expect absent.",
    ),
}

VERDICT_LABEL: dict[Verdict, str] = {
    "verified": "Verified",
    "drift": "Drift",
    "inconclusive": "Inconclusive",
}

SURFACE_LABEL: dict[str, str] = {
    "user_monitoring": "User Monitoring",
    "portal_users": "Portal Users",
    "groups": "Groups",
    "audit_trail": "Audit Trail",
    "directory_sync": "Directory Sync",
    "api_tokens": "API Tokens",
}


def outcome_label(outcome: Outcome | str) -> str:
    """The human label of an outcome (the raw value for one this version does not know)."""
    try:
        return OUTCOME_LABEL[Outcome(outcome)]
    except ValueError:
        return str(outcome)


def surface_label(surface: str | None) -> str:
    """The portal page name of a surface ('Run' for findings about no particular surface)."""
    if surface is None:
        return "Run"
    return SURFACE_LABEL.get(surface, surface)


def reason_text(reason: InconclusiveReason) -> tuple[str, str]:
    """(what happened, what to do) for an inconclusive reason, in plain words."""
    return REASON_TEXT.get(reason, (str(reason), "Run again with --verbose and read the log."))
