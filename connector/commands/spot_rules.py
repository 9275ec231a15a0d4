"""Judging spot-check results: what each address should look like, and findings when it does not.

Pure functions (no I/O), so the rules are tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.models import (
    DEFAULT_SEVERITY,
    Finding,
    Identity,
    IdentitySource,
    Outcome,
    ReasonDetail,
    SpotCheckResult,
    Verdict,
)

LIVE_ACCOUNT = ("Active", "Invited")


@dataclass(frozen=True)
class Expectation:
    """What one address should look like: monitored or not; a live portal account allowed?"""

    email: str
    monitored: bool | None  # None: no claim
    portal_allowed: bool  # False: an Active/Invited portal account is a finding
    leaver: bool  # the provider knows it and says inactive
    identity_id: str | None = None
    why: str = ""


def expectation_for(email: str, expect: str | None, source: IdentitySource | None) -> Expectation:
    """The expected state from --expect, else from the identity source."""
    if expect == "absent":
        return Expectation(email, monitored=False, portal_allowed=False, leaver=True,
                           why="--expect absent")
    if expect == "present":
        return Expectation(email, monitored=True, portal_allowed=True, leaver=False,
                           why="--expect present")
    identity = find_identity(email, source)
    if identity is None:
        return Expectation(email, monitored=False, portal_allowed=False, leaver=False,
                           why="unknown to the identity source")
    return Expectation(
        email, monitored=identity.active and identity.protected,
        portal_allowed=identity.active and identity.portal_access, leaver=not identity.active,
        identity_id=identity.id, why=_describe(identity),
    )


def find_identity(email: str, source: IdentitySource | None) -> Identity | None:
    """The identity whose email or one of whose aliases is `email` (case-folded)."""
    wanted = email.strip().casefold()
    for identity in source.identities if source else ():
        names = (identity.email, *identity.aliases)
        if any(n.strip().casefold() == wanted for n in names):
            return identity
    return None


def addresses_for(email: str, identity: Identity | None,
                  domain_map: Mapping[str, str]) -> tuple[str, ...]:
    """Every address the person may be listed under in the portal, the asked one first.

    `verify` matches rows through aliases and the domain map (portal domain -> provider domain),
    so a spot check that searched only the typed address could call a leaver "absent" while
    their row sits under an alias: every one of these addresses is searched.
    """
    names = [email.strip(), *((identity.email, *identity.aliases) if identity else ())]
    names += [_on_domain(n, portal) for n in list(names)
              for portal, provider in domain_map.items() if _domain(n) == provider.casefold()]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)  # the first spelling wins
    return tuple(unique.values())


def _domain(address: str) -> str:
    return address.rpartition("@")[2].casefold()


def _on_domain(address: str, domain: str) -> str:
    return f"{address.rpartition('@')[0]}@{domain}"


def merge_results(email: str, results: Sequence[SpotCheckResult]) -> SpotCheckResult:
    """One surface's result for a person from the searches of each of their addresses.

    Found when any search found a row (a live portal account preferred); absent only when every
    search was read completely; not conclusive when any was not.
    """
    found = sorted((r for r in results if r.found), key=lambda r: not _live(r))
    unsure = [r for r in results if not r.conclusive]
    searched = ", ".join(r.email for r in results)
    if found:
        message = f"found as {', '.join(r.email for r in found)} (searched {searched})"
    elif unsure:
        message = unsure[0].message
    else:
        message = f"absent: no row for {searched}"
    base = found[0] if found else (unsure or list(results))[0]
    return base.model_copy(update={
        "email": email, "found": bool(found), "conclusive": not unsure and base.conclusive,
        "evidence": tuple(p for r in results for p in r.evidence), "message": message})


def _live(result: SpotCheckResult) -> bool:
    return result.portal_user is None or result.portal_user.status in LIVE_ACCOUNT


def _describe(identity: Identity) -> str:
    state = "active" if identity.active else "inactive"
    return f"{state}, protected={identity.protected}, portal_access={identity.portal_access}"


def judge(result: SpotCheckResult, expected: Expectation) -> list[Finding]:
    """One finding per result: in_sync, a discrepancy outcome, or unverified."""
    if not result.conclusive:
        return [_finding(result, expected, Outcome.UNVERIFIED, result.message or "not conclusive")]
    if result.surface == "user_monitoring":
        return [_monitoring(result, expected)]
    return [_portal(result, expected)]


def _monitoring(result: SpotCheckResult, expected: Expectation) -> Finding:
    if expected.monitored is None or expected.monitored == result.found:
        state = "present" if result.found else "absent"
        return _finding(result, expected, Outcome.IN_SYNC, f"{state} in User Monitoring, as expected")
    if result.found:
        return _finding(result, expected, Outcome.NOT_REMOVED,
                        f"still in User Monitoring ({expected.why})")
    return _finding(result, expected, Outcome.MISSING, f"absent from User Monitoring ({expected.why})")


def _portal(result: SpotCheckResult, expected: Expectation) -> Finding:
    account = result.portal_user
    live = result.found and (account is None or account.status in LIVE_ACCOUNT)
    if not live or expected.portal_allowed:
        return _finding(result, expected, Outcome.IN_SYNC, "portal access as expected")
    status = account.status if account else "present"
    outcome = Outcome.ACCESS_RETAINED if expected.leaver else Outcome.UNMANAGED_ADMIN
    return _finding(result, expected, outcome, f"portal account {status} ({expected.why})")


def _finding(result: SpotCheckResult, expected: Expectation, outcome: Outcome,
             message: str) -> Finding:
    return Finding(
        key=f"{outcome.value}:{result.surface}:{result.email.strip().casefold()}",
        outcome=outcome, severity=DEFAULT_SEVERITY[outcome], subject=result.email,
        surface=result.surface, identity_id=expected.identity_id, message=message,
        evidence=result.evidence,
    )


def verdict_of(findings: Sequence[Finding], results: Sequence[SpotCheckResult],
               reasons: Sequence[ReasonDetail]) -> Verdict:
    """inconclusive when anything could not be checked; drift on any discrepancy; else verified."""
    if reasons or not results or any(not r.conclusive for r in results):
        return "inconclusive"
    if any(f.outcome != Outcome.IN_SYNC for f in findings):
        return "drift"
    return "verified"
