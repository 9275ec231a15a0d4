"""Table-driven tests: each outcome of the vocabulary arises exactly where INTERFACES.md says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.models import ExceptionRule, Outcome, Policy, Severity
from connector.reconcile import evaluate

H = timedelta(hours=1)
D = timedelta(days=1)


def _case(build, name):  # noqa: ANN001, ANN202 - table rows are built lazily from the builders
    """(snapshot, expected {key: outcome}) for one named case."""
    i, r, a = build.identity, build.row, build.account
    cases = {
        "protected and live": ([i("a@x.com")], [r("a@x.com")], [], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC}),
        "protected, absent, past grace": ([i("a@x.com", changed_ago=3 * D)], [], [], {
            "missing:user_monitoring:a@x.com": Outcome.MISSING}),
        "protected, absent, no change time": ([i("a@x.com")], [], [], {
            "missing:user_monitoring:a@x.com": Outcome.MISSING}),
        "protected, absent, within grace": ([i("a@x.com", changed_ago=2 * H)], [], [], {
            "pending:user_monitoring:a@x.com": Outcome.PENDING}),
        "leaver still monitored past grace": ([i("a@x.com", active=False, changed_ago=2 * D)],
                                              [r("a@x.com")], [], {
            "not_removed:user_monitoring:a@x.com": Outcome.NOT_REMOVED}),
        "unassigned still monitored": ([i("a@x.com", protected=False)], [r("a@x.com")], [], {
            "not_removed:user_monitoring:a@x.com": Outcome.NOT_REMOVED}),
        "leaver still monitored within grace": ([i("a@x.com", active=False, changed_ago=H)],
                                                [r("a@x.com")], [], {
            "pending:user_monitoring:a@x.com": Outcome.PENDING}),
        "leaver gone": ([i("a@x.com", active=False)], [], [], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC}),
        "not live past grace": ([i("a@x.com", changed_ago=2 * D)], [r("a@x.com", sync_state="Queued")], [], {
            "degraded:user_monitoring:a@x.com": Outcome.DEGRADED}),
        "poor connection, first seen long ago": ([i("a@x.com")],
                                                 [r("a@x.com", status="Connection issues", created_ago=5 * D)], [], {
            "degraded:user_monitoring:a@x.com": Outcome.DEGRADED}),
        "onboarding within grace": ([i("a@x.com")], [r("a@x.com", sync_state="Onboarding", created_ago=H)], [], {
            "pending:user_monitoring:a@x.com": Outcome.PENDING}),
        "unknown monitored user": ([], [r("z@x.com")], [], {
            "orphan:user_monitoring:z@x.com": Outcome.ORPHAN}),
        "row matches two identities": ([i("a@x.com", aliases=["shared@x.com"]),
                                        i("b@x.com", aliases=["shared@x.com"])], [r("shared@x.com")], [], {
            "ambiguous:user_monitoring:shared@x.com": Outcome.AMBIGUOUS}),
        "identity matches two rows": ([i("a@x.com", aliases=["al@x.com"])], [r("a@x.com"), r("al@x.com")], [], {
            "ambiguous:user_monitoring:a@x.com": Outcome.AMBIGUOUS}),
        "leaver with portal account": ([i("a@x.com", active=False)], [], [a("a@x.com")], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC,
            "access_retained:portal_users:a@x.com": Outcome.ACCESS_RETAINED}),
        "leaver with invited account": ([i("a@x.com", active=False)], [], [a("a@x.com", status="Invited")], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC,
            "access_retained:portal_users:a@x.com": Outcome.ACCESS_RETAINED}),
        "leaver with deactivated account": ([i("a@x.com", active=False)], [], [a("a@x.com", status="Deactivated")], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC}),
        "unknown portal account": ([], [], [a("ghost@x.com")], {
            "unmanaged_admin:portal_users:ghost@x.com": Outcome.UNMANAGED_ADMIN}),
        "account without portal access": ([i("a@x.com", protected=False)], [], [a("a@x.com")], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC,
            "unmanaged_admin:portal_users:a@x.com": Outcome.UNMANAGED_ADMIN}),
        "account with portal access": ([i("a@x.com", protected=False, portal_access=True)], [], [a("a@x.com")], {
            "in_sync:user_monitoring:a@x.com": Outcome.IN_SYNC,
            "in_sync:portal_users:a@x.com": Outcome.IN_SYNC}),
    }
    identities, rows, accounts, expected = cases[name]
    return build.snapshot(identities, rows, accounts), expected


CASES = [
    "protected and live", "protected, absent, past grace", "protected, absent, no change time",
    "protected, absent, within grace", "leaver still monitored past grace",
    "unassigned still monitored", "leaver still monitored within grace", "leaver gone",
    "not live past grace", "poor connection, first seen long ago", "onboarding within grace",
    "unknown monitored user", "row matches two identities", "identity matches two rows",
    "leaver with portal account", "leaver with invited account", "leaver with deactivated account",
    "unknown portal account", "account without portal access", "account with portal access",
]


@pytest.mark.parametrize("name", CASES)
def test_outcome_table(build, name: str) -> None:  # noqa: ANN001
    """Each case yields exactly the listed findings (by key and outcome), with default severity."""
    snapshot, expected = _case(build, name)
    report = evaluate(snapshot, Policy())
    assert {f.key: f.outcome for f in report.findings} == expected
    assert report.verdict != "inconclusive"


def test_pending_says_when_it_becomes_overdue(build) -> None:  # noqa: ANN001
    """A pending finding carries the change time and overdue_at = changed_at + grace."""
    snapshot = build.snapshot([build.identity("a@x.com", changed_ago=2 * H)])
    (finding,) = evaluate(snapshot, Policy(grace_period=6 * H)).findings
    assert finding.outcome == Outcome.PENDING
    assert finding.overdue_at == build.now - 2 * H + 6 * H
    assert finding.changed_at == build.now - 2 * H


def test_grace_boundary_is_exclusive(build) -> None:  # noqa: ANN001
    """A change exactly one grace period old is overdue (changed_at + grace > now is pending)."""
    snapshot = build.snapshot([build.identity("a@x.com", changed_ago=24 * H)])
    (finding,) = evaluate(snapshot, Policy(grace_period=24 * H)).findings
    assert finding.outcome == Outcome.MISSING


@pytest.mark.parametrize(("row", "rule"), [
    ("A@X.com ", "primary_email"), ("alias@x.com", "alias"), ("a@old.com", "domain_map"),
    ("alias@old.com", "domain_map"), ("SMTP:alias@x.com", "alias"),
])
def test_match_rule_is_recorded(build, row: str, rule: str) -> None:  # noqa: ANN001
    """Matching tries the primary email, then aliases, then the domain map, and records the rule."""
    snapshot = build.snapshot([build.identity("a@x.com", aliases=["Alias@x.com"])], [build.row(row)])
    report = evaluate(snapshot, Policy(domain_map={"old.com": "x.com"}))
    (finding,) = report.findings
    assert (finding.outcome, finding.match_rule) == (Outcome.IN_SYNC, rule)


def test_out_of_scope_rows_and_identities_are_ignored(build) -> None:  # noqa: ANN001
    """With in_scope_domains set, other domains yield no findings at all."""
    snapshot = build.snapshot([build.identity("a@x.com"), build.identity("b@other.com")],
                              [build.row("a@x.com"), build.row("z@other.com")],
                              [build.account("ghost@other.com")])
    report = evaluate(snapshot, Policy(in_scope_domains=("x.com",)))
    assert [f.key for f in report.findings] == ["in_sync:user_monitoring:a@x.com"]


def test_mapped_domain_identity_stays_in_scope(build) -> None:  # noqa: ANN001
    """An identity of a provider domain mapped from an in-scope portal domain is still checked."""
    snapshot = build.snapshot([build.identity("a@new.com")], [build.row("a@old.com")])
    report = evaluate(snapshot, Policy(in_scope_domains=("old.com",), domain_map={"old.com": "new.com"}))
    assert [(f.outcome, f.match_rule) for f in report.findings] == [(Outcome.IN_SYNC, "domain_map")]


def test_unexpired_exception_turns_finding_into_excepted(build) -> None:  # noqa: ANN001
    """A matching exception keeps the original outcome and the rule, at info severity."""
    rule = ExceptionRule(email="Z@x.com", outcome=Outcome.ORPHAN, owner="sec", reason="shared box",
                         expires=build.now + D)
    report = evaluate(build.snapshot([], [build.row("z@x.com")]), Policy(exceptions=(rule,)))
    (finding,) = report.findings
    assert (finding.outcome, finding.original_outcome, finding.exception) == (
        Outcome.EXCEPTED, Outcome.ORPHAN, rule)
    assert finding.severity == Severity.INFO and report.verdict == "verified"


def test_exception_for_another_outcome_does_not_apply(build) -> None:  # noqa: ANN001
    """An exception naming an outcome leaves other outcomes for the address alone."""
    rule = ExceptionRule(email="z@x.com", outcome=Outcome.MISSING, owner="sec", reason="r",
                         expires=build.now + D)
    report = evaluate(build.snapshot([], [build.row("z@x.com")]), Policy(exceptions=(rule,)))
    assert [f.outcome for f in report.findings] == [Outcome.ORPHAN]


def test_expired_exception_keeps_finding_and_adds_one(build) -> None:  # noqa: ANN001
    """An expired exception leaves the finding as is and adds an exception_expired finding."""
    rule = ExceptionRule(email="z@x.com", owner="sec", reason="r", expires=build.now - H)
    report = evaluate(build.snapshot([], [build.row("z@x.com")]), Policy(exceptions=(rule,)))
    assert {f.key: f.outcome for f in report.findings} == {
        "orphan:user_monitoring:z@x.com": Outcome.ORPHAN,
        "exception_expired:user_monitoring:z@x.com": Outcome.EXCEPTION_EXPIRED}
    assert report.verdict == "drift"


def test_delay_is_observed_from_change_to_first_seen(build) -> None:  # noqa: ANN001
    """The propagation delay is first-seen minus the provider's change time when both are known."""
    snapshot = build.snapshot([build.identity("a@x.com", changed_ago=3 * D)],
                              [build.row("a@x.com", created_ago=3 * D - 5 * H)])
    (finding,) = evaluate(snapshot, Policy()).findings
    assert finding.delay == 5 * H


def test_open_since_comes_from_history(build) -> None:  # noqa: ANN001
    """A finding open in earlier runs keeps its first-seen time; a new one is open since now."""
    from connector.models import HistoryContext

    history = HistoryContext(open_since={"orphan:user_monitoring:z@x.com": build.now - 3 * D})
    report = evaluate(build.snapshot([], [build.row("z@x.com"), build.row("y@x.com")], history=history),
                      Policy())
    since = {f.subject: f.open_since for f in report.findings}
    assert since == {"z@x.com": build.now - 3 * D, "y@x.com": build.now}


def test_findings_are_sorted_by_severity_then_outcome_then_subject(build) -> None:  # noqa: ANN001
    """Output order is deterministic: severity rank desc, then outcome, then subject."""
    i = build.identity
    snapshot = build.snapshot(
        [i("b@x.com"), i("a@x.com"), i("c@x.com", active=False)],
        [build.row("z@x.com"), build.row("b@x.com"), build.row("y@x.com")],
        [build.account("c@x.com")])
    keys = [f.key for f in evaluate(snapshot, Policy()).findings]
    assert keys == ["access_retained:portal_users:c@x.com", "missing:user_monitoring:a@x.com",
                    "orphan:user_monitoring:y@x.com", "orphan:user_monitoring:z@x.com",
                    "in_sync:user_monitoring:b@x.com", "in_sync:user_monitoring:c@x.com"]


@pytest.mark.parametrize(("level", "verdict"), [
    (Severity.CRITICAL, "verified"), (Severity.MEDIUM, "drift"), (Severity.LOW, "drift")])
def test_fail_level_decides_drift(build, level: Severity, verdict: str) -> None:  # noqa: ANN001
    """Drift only when some finding is at or above the fail level (an orphan is medium)."""
    report = evaluate(build.snapshot([], [build.row("z@x.com")]), Policy(fail_level=level))
    assert report.verdict == verdict


def test_counts_list_every_outcome(build) -> None:  # noqa: ANN001
    """Counts name every outcome of the vocabulary, zeros included."""
    report = evaluate(build.snapshot([build.identity("a@x.com")], [build.row("a@x.com")]), Policy())
    assert report.counts == {o.value: int(o == Outcome.IN_SYNC) for o in Outcome}
    assert report.identities_verified == 1


def test_same_snapshot_same_report(build) -> None:  # noqa: ANN001
    """Evaluation is pure: the same input serialises to the same bytes."""
    snapshot = build.snapshot([build.identity("a@x.com", changed_ago=H)], [build.row("z@x.com")])
    assert evaluate(snapshot, Policy()).model_dump_json() == evaluate(snapshot, Policy()).model_dump_json()
    assert evaluate(snapshot, Policy()).evaluated_at == build.now


def test_table_and_tests_cover_every_outcome(build) -> None:  # noqa: ANN001
    """The table plus the exception, trust and surface tests exercise every outcome."""
    seen = {o for name in CASES for o in _case(build, name)[1].values()}
    surfaces = {Outcome.LEAVER_TOKEN, Outcome.UNKNOWN_TOKEN, Outcome.OWN_TOKEN_LEAVER,
                Outcome.POST_LEAVE_SIGN_IN, Outcome.SYNC_UNHEALTHY}  # test_rules_surfaces.py
    assert seen | {Outcome.EXCEPTED, Outcome.EXCEPTION_EXPIRED, Outcome.UNVERIFIED} | surfaces \
        == set(Outcome)


def test_primary_email_wins_over_another_identity_alias(build) -> None:  # noqa: ANN001
    """A row equal to one identity's email and another's alias matches the email (no ambiguity)."""
    snapshot = build.snapshot([build.identity("a@x.com"), build.identity("b@x.com", aliases=["a@x.com"])],
                              [build.row("a@x.com"), build.row("b@x.com")])
    report = evaluate(snapshot, Policy())
    assert {(f.subject, f.outcome, f.match_rule) for f in report.findings} == {
        ("a@x.com", Outcome.IN_SYNC, "primary_email"), ("b@x.com", Outcome.IN_SYNC, "primary_email")}


def test_leaver_with_two_accounts_gets_two_critical_findings(build) -> None:  # noqa: ANN001
    """Every active account of a leaver must go: reported critical per account, not ambiguous."""
    snapshot = build.snapshot([build.identity("a@x.com", active=False, aliases=["adm-a@x.com"])], [],
                              [build.account("a@x.com"), build.account("adm-a@x.com", status="Invited")])
    findings = [f for f in evaluate(snapshot, Policy()).findings if f.surface == "portal_users"]
    assert [(f.subject, f.outcome, f.match_rule) for f in findings] == [
        ("a@x.com", Outcome.ACCESS_RETAINED, "primary_email"),
        ("adm-a@x.com", Outcome.ACCESS_RETAINED, "alias")]


def test_active_identity_with_two_accounts_is_ambiguous(build) -> None:  # noqa: ANN001
    """Two live accounts for one active identity: which one is theirs is a question, not a guess."""
    snapshot = build.snapshot([build.identity("a@x.com", portal_access=True, aliases=["adm-a@x.com"])], [],
                              [build.account("a@x.com"), build.account("adm-a@x.com")])
    findings = [f for f in evaluate(snapshot, Policy()).findings if f.surface == "portal_users"]
    assert [(f.key, f.details["row_addresses"]) for f in findings] == [
        ("ambiguous:portal_users:a@x.com", "a@x.com, adm-a@x.com")]


def test_ambiguous_row_does_not_hide_an_identity_seen_elsewhere(build) -> None:  # noqa: ANN001
    """An identity involved in an ambiguous row is still judged on its own unambiguous row."""
    i = build.identity
    snapshot = build.snapshot([i("a@x.com", active=False, aliases=["s@x.com"]), i("b@x.com", aliases=["s@x.com"])],
                              [build.row("s@x.com"), build.row("a@x.com")])
    report = evaluate(snapshot, Policy())
    assert {f.key for f in report.findings} == {"ambiguous:user_monitoring:s@x.com",
                                                "not_removed:user_monitoring:a@x.com"}


def test_landed_change_gets_an_upper_bound_delay(build) -> None:  # noqa: ANN001
    """A removal still pending last run and in sync now: delay at most now minus the change."""
    from connector.models import HistoryContext

    history = HistoryContext(open_since={"pending:user_monitoring:a@x.com": build.now - 5 * H})
    snapshot = build.snapshot([build.identity("a@x.com", active=False, changed_ago=6 * H)], [],
                              history=history)
    (finding,) = evaluate(snapshot, Policy()).findings
    assert (finding.outcome, finding.delay, finding.details["delay"]) == (Outcome.IN_SYNC, 6 * H, "at_most")


def test_no_delay_without_an_earlier_observation(build) -> None:  # noqa: ANN001
    """Without history showing the change open, an absent leaver gets no delay figure."""
    snapshot = build.snapshot([build.identity("a@x.com", active=False, changed_ago=6 * H)])
    (finding,) = evaluate(snapshot, Policy()).findings
    assert finding.delay is None


def test_colliding_keys_keep_one_finding_whatever_the_order(build) -> None:  # noqa: ANN001
    """An ambiguous row and an ambiguous identity sharing one address give one finding, stably."""
    i = build.identity
    people = [i("s@x.com", aliases=["t@x.com"]), i("a@x.com", aliases=["s2@x.com"]),
              i("b@x.com", aliases=["s2@x.com"])]
    rows = [build.row("s@x.com"), build.row("t@x.com"), build.row("s2@x.com")]
    one = evaluate(build.snapshot(people, rows), Policy()).findings
    two = evaluate(build.snapshot(people[::-1], rows[::-1]), Policy()).findings
    assert one == two
    assert len({f.key for f in one}) == len(one)
