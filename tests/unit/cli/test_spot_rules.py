"""Judging spot-check results against --expect or the identity source (no browser)."""

from __future__ import annotations

from connector.commands.spot_rules import (
    Expectation,
    addresses_for,
    expectation_for,
    judge,
    merge_results,
    verdict_of,
)
from connector.models import Identity, IdentitySource, Outcome, PortalUser, SpotCheckResult

SOURCE = IdentitySource(kind="file", location="x.csv", complete=True, identities=(
    Identity(id="1", email="leaver@acme.example", active=False, protected=False, source="file"),
    Identity(id="2", email="joiner@acme.example", aliases=("j@acme.example",), active=True,
             protected=True, portal_access=True, source="file"),
))


def _um(email: str, found: bool, conclusive: bool = True) -> SpotCheckResult:
    return SpotCheckResult(email=email, surface="user_monitoring", found=found,
                           conclusive=conclusive)


def _pu(email: str, status: str) -> SpotCheckResult:
    account = PortalUser(name="X", email=email, role="Viewer", status=status,  # type: ignore[arg-type]
                         sign_in_method="SSO")
    return SpotCheckResult(email=email, surface="portal_users", found=True, conclusive=True,
                           portal_user=account)


def test_leaver_still_monitored_is_not_removed_and_drift() -> None:
    """A leaver (per the source) still in User Monitoring is `not_removed`; the verdict is drift."""
    result = _um("Leaver@acme.example", found=True)
    findings = judge(result, expectation_for(result.email, None, SOURCE))
    assert [f.outcome for f in findings] == [Outcome.NOT_REMOVED]
    assert verdict_of(findings, [result], []) == "drift"


def test_leaver_with_live_portal_account_is_access_retained() -> None:
    """An Active portal account of a leaver is `access_retained`; a Deactivated one is fine."""
    exp = expectation_for("leaver@acme.example", None, SOURCE)
    assert judge(_pu("leaver@acme.example", "Active"), exp)[0].outcome == Outcome.ACCESS_RETAINED
    assert judge(_pu("leaver@acme.example", "Deactivated"), exp)[0].outcome == Outcome.IN_SYNC


def test_alias_finds_the_identity_and_present_is_in_sync() -> None:
    """An alias matches its identity; an expected-present address found is in sync -> verified."""
    result = _um("j@acme.example", found=True)
    findings = judge(result, expectation_for(result.email, None, SOURCE))
    assert findings[0].outcome == Outcome.IN_SYNC and findings[0].identity_id == "2"
    assert verdict_of(findings, [result], []) == "verified"


def test_expect_flag_overrides_the_source() -> None:
    """--expect present makes an absent address `missing`; --expect absent + absent is fine."""
    absent = _um("nobody@acme.example", found=False)
    assert judge(absent, expectation_for(absent.email, "present", None))[0].outcome == Outcome.MISSING
    assert judge(absent, expectation_for(absent.email, "absent", None))[0].outcome == Outcome.IN_SYNC


def test_unknown_address_with_live_account_is_unmanaged() -> None:
    """An address the provider does not know holding a live account is `unmanaged_admin`."""
    exp = expectation_for("stranger@acme.example", None, SOURCE)
    assert judge(_pu("stranger@acme.example", "Invited"), exp)[0].outcome == Outcome.UNMANAGED_ADMIN


def test_inconclusive_result_makes_verdict_inconclusive() -> None:
    """A search that did not load is `unverified` and the whole check is inconclusive."""
    result = _um("leaver@acme.example", found=False, conclusive=False)
    findings = judge(result, expectation_for(result.email, "absent", None))
    assert findings[0].outcome == Outcome.UNVERIFIED
    assert verdict_of(findings, [result], []) == "inconclusive"
    assert verdict_of([], [], []) == "inconclusive"


def test_addresses_cover_aliases_and_domain_map_variants() -> None:
    """A person is searched under the asked address, their provider email, aliases, and each
    address moved to a portal domain the domain map sends to the provider's domain."""
    person = Identity(id="3", email="robert.smith@acme.example", aliases=("Bob@acme.example",),
                      active=False, protected=False, source="file")
    found = addresses_for("ROBERT.SMITH@acme.example", person, {"acme-corp.example": "acme.example"})
    assert found == ("ROBERT.SMITH@acme.example", "Bob@acme.example",
                     "ROBERT.SMITH@acme-corp.example", "Bob@acme-corp.example")
    assert addresses_for("x@other.example", None, {"acme-corp.example": "acme.example"}) == (
        "x@other.example",)


def test_merged_result_is_found_under_any_address() -> None:
    """A row under an alias makes the person found (so a leaver there is not_removed)."""
    merged = merge_results("robert@acme.example", [_um("robert@acme.example", False),
                                                   _um("bob@acme.example", True)])
    assert (merged.email, merged.found, merged.conclusive) == ("robert@acme.example", True, True)
    exp = Expectation("robert@acme.example", monitored=False, portal_allowed=False, leaver=True)
    assert judge(merged, exp)[0].outcome == Outcome.NOT_REMOVED


def test_absence_needs_every_address_read_completely() -> None:
    """Absent is conclusive only when every address's search was; one unsure search makes the
    person unverified, never absent."""
    assert merge_results("a@x.example", [_um("a@x.example", False),
                                         _um("b@x.example", False)]).conclusive
    unsure = merge_results("a@x.example", [_um("a@x.example", False),
                                           _um("b@x.example", False, conclusive=False)])
    assert (unsure.found, unsure.conclusive) == (False, False)


def test_a_live_portal_account_wins_over_a_deactivated_one() -> None:
    """When one address has a Deactivated account and another an Active one, the Active is judged."""
    merged = merge_results("leaver@acme.example", [_pu("leaver@acme.example", "Deactivated"),
                                                   _pu("old@acme.example", "Active")])
    exp = expectation_for("leaver@acme.example", None, SOURCE)
    assert judge(merged, exp)[0].outcome == Outcome.ACCESS_RETAINED
