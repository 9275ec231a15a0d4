"""Judging spot-check results: what each address should look like, and findings when it does not.

Pure functions (no I/O), so the rules are tested without a browser.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from connector.matching import IdentityIndex, normalise
from connector.models import (
    DEFAULT_SEVERITY,
    Finding,
    Identity,
    IdentitySource,
    InconclusiveReason,
    Outcome,
    Policy,
    ReasonDetail,
    SpotCheckResult,
    Verdict,
)

LIVE_ACCOUNT = ("Active", "Invited")
SUGGESTION_CUTOFF = 0.88  # difflib ratio: one or two mistyped characters in a typical address

# What the identity source said about an asked address:
#   known: it lists the address (email, alias, or through the domain map);
#   unknown: a complete read does not list it;
#   incomplete: the read was incomplete and does not list it (so nobody can say);
#   not_read: no identity source was read (--expect without a configured provider).
IdentityStatus = Literal["known", "unknown", "incomplete", "not_read"]


@dataclass(frozen=True)
class Expectation:
    """What one address should look like: monitored or not; a live portal account allowed?"""

    email: str
    monitored: bool | None  # None: no claim (nothing says what the address should look like)
    portal_allowed: bool  # False: an Active/Invited portal account is a finding
    leaver: bool  # the provider knows it and says inactive
    identity_id: str | None = None
    why: str = ""
    identity: IdentityStatus = "not_read"
    suggestion: str | None = None  # a provider address close to an unknown one (a typo?)

    @property
    def claim(self) -> bool:
        """Whether there is an expected state to judge against at all."""
        return self.monitored is not None


def expectation_for(email: str, expect: str | None, source: IdentitySource | None,
                    domain_map: Mapping[str, str] | None = None) -> Expectation:
    """The expected state from --expect, else from the identity source.

    An address the source does not list has no expected state (never "should be absent"): its
    absence proves nothing, so it is judged unverified unless --expect says what it should be.
    """
    identity = find_identity(email, source, domain_map or {})
    status = identity_status(identity, source)
    suggestion = suggest(email, source) if status == "unknown" else None
    if expect in ("absent", "present"):
        present = expect == "present"
        return Expectation(email, monitored=present, portal_allowed=present, leaver=not present,
                           identity_id=identity.id if identity else None,
                           why=f"--expect {expect}", identity=status, suggestion=suggestion)
    if identity is None:
        return Expectation(email, monitored=None, portal_allowed=False, leaver=False,
                           why=_unknown_why(status), identity=status, suggestion=suggestion)
    return Expectation(
        email, monitored=identity.active and identity.protected,
        portal_allowed=identity.active and identity.portal_access, leaver=not identity.active,
        identity_id=identity.id, why=_describe(identity), identity="known",
    )


def identity_status(identity: Identity | None, source: IdentitySource | None) -> IdentityStatus:
    """known, unknown (a complete source does not list it), incomplete, or not_read."""
    if identity is not None:
        return "known"
    if source is None:
        return "not_read"
    return "unknown" if source.complete else "incomplete"


def _unknown_why(status: IdentityStatus) -> str:
    if status == "unknown":
        return "unknown to the identity provider"
    if status == "incomplete":
        return "not in the identity provider's incomplete read"
    return "no identity source read"


def find_identity(email: str, source: IdentitySource | None,
                  domain_map: Mapping[str, str] | None = None) -> Identity | None:
    """The identity `email` belongs to, matched as verify matches rows: primary email, alias,
    then the domain map (portal domain -> provider domain); case-folded and trimmed."""
    if source is None:
        return None
    found = IdentityIndex.build(source.identities, domain_map or {}).match(email).identities
    return found[0] if found else None


def suggest(email: str, source: IdentitySource | None) -> str | None:
    """The provider address closest to `email` when one is close enough to be a typo of it."""
    names = {normalise(n) for i in (source.identities if source else ())
             for n in (i.email, *i.aliases)}
    close = difflib.get_close_matches(normalise(email), sorted(names), n=1,
                                      cutoff=SUGGESTION_CUTOFF)
    return close[0] if close else None


def asked_identities(emails: Sequence[str], source: IdentitySource,
                     domain_map: Mapping[str, str] | None = None) -> tuple[Identity, ...]:
    """The identities the asked addresses belong to, each once, in the source's order."""
    wanted = {i.id for e in emails if (i := find_identity(e, source, domain_map)) is not None}
    return tuple(i for i in source.identities if i.id in wanted)


# Anything shaped like an address inside a source's error or warning text.
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+")


def minimal_source(source: IdentitySource | None, expectations: Mapping[str, Expectation],
                   domain_map: Mapping[str, str]) -> IdentitySource | None:
    """The identity source cut down to the identities asked about (evidence minimal): their
    records, and only the source's errors/warnings that name no one else."""
    if source is None:
        return None
    identities = asked_identities(list(expectations), source, domain_map)
    allowed = asked_addresses(expectations, source, domain_map)

    def keep(messages: tuple[str, ...], what: str) -> tuple[str, ...]:
        kept = tuple(m for m in messages
                     if all(normalise(a) in allowed for a in _ADDRESS.findall(m)))
        left = len(messages) - len(kept)
        return kept + ((f"{left} {what} about other identities left out",) if left else ())

    return source.model_copy(update={"identities": identities,
                                     "errors": keep(source.errors, "error(s)"),
                                     "warnings": keep(source.warnings, "warning(s)")})


def asked_addresses(expectations: Mapping[str, Expectation], source: IdentitySource | None,
                    domain_map: Mapping[str, str]) -> set[str]:
    """Every address a spot check's report may name: the asked ones, their identities' emails and
    aliases, the domain-map spellings of those, and a suggested typo fix (normalised)."""
    allowed = {normalise(a) for e in expectations
               for a in addresses_for(e, find_identity(e, source, domain_map), domain_map)}
    return allowed | {e.suggestion for e in expectations.values() if e.suggestion}


def minimal_policy(policy: Policy, allowed: set[str]) -> Policy:
    """The policy with only the exceptions about the asked addresses (others name other people)."""
    exceptions = tuple(x for x in policy.exceptions if normalise(x.email) in allowed)
    return policy.model_copy(update={"exceptions": exceptions})


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
    if not expected.claim:  # nothing says what it should be: a row is an orphan, absence no proof
        if result.found:
            return _finding(result, expected, Outcome.ORPHAN,
                            f"in User Monitoring, but {expected.why}")
        return _finding(result, expected, Outcome.UNVERIFIED,
                        f"absent from User Monitoring, but {expected.why}: nothing to compare with")
    if expected.monitored == result.found:
        state = "present" if result.found else "absent"
        return _finding(result, expected, Outcome.IN_SYNC, f"{state} in User Monitoring, as expected")
    if result.found:
        return _finding(result, expected, Outcome.NOT_REMOVED,
                        f"still in User Monitoring ({expected.why})")
    return _finding(result, expected, Outcome.MISSING, f"absent from User Monitoring ({expected.why})")


def _portal(result: SpotCheckResult, expected: Expectation) -> Finding:
    account = result.portal_user
    live = result.found and (account is None or account.status in LIVE_ACCOUNT)
    if not live and not expected.claim:
        return _finding(result, expected, Outcome.UNVERIFIED,
                        f"no live portal account, but {expected.why}: nothing to compare with")
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
        surface=result.surface, identity_id=expected.identity_id,
        message=message + _note(expected), evidence=result.evidence,
        details=identity_details(expected),
    )


def _note(expected: Expectation) -> str:
    """What the message adds about the identity when --expect judged an address it does not know."""
    if not expected.claim or expected.identity in ("known", "not_read"):
        return ""  # the message already says it (no claim), or there is nothing to add
    return f"; {_unknown_why(expected.identity)}" + _did_you_mean(expected)


def _did_you_mean(expected: Expectation) -> str:
    return f" (did you mean {expected.suggestion}?)" if expected.suggestion else ""


def identity_details(expected: Expectation) -> dict[str, str]:
    """The per-address identity status every finding of the address carries."""
    details = {"identity": expected.identity}
    if expected.suggestion:
        details["did_you_mean"] = expected.suggestion
    return details


def unknown_reason(expected: Expectation, location: str) -> ReasonDetail | None:
    """Why a check without --expect cannot judge an address the identity source does not list."""
    if expected.claim or expected.identity != "unknown":
        return None
    return ReasonDetail(
        reason=InconclusiveReason.UNKNOWN_IDENTITY,
        message=f"{expected.email} is unknown to the identity provider ({location})"
        + (f"; did you mean {expected.suggestion}?" if expected.suggestion else "")
        + "; for a leaver already deleted there, check with --expect absent",
    )


def verdict_of(findings: Sequence[Finding], results: Sequence[SpotCheckResult],
               reasons: Sequence[ReasonDetail]) -> Verdict:
    """inconclusive when anything could not be checked; drift on any discrepancy; else verified."""
    if reasons or not results or any(not r.conclusive for r in results):
        return "inconclusive"
    if not findings or any(f.outcome == Outcome.UNVERIFIED for f in findings):
        return "inconclusive"  # an address with nothing to compare with is never vouched for
    if any(f.outcome != Outcome.IN_SYNC for f in findings):
        return "drift"
    return "verified"
