"""Table-driven tests: every inconclusive reason, and what an inconclusive run may still claim."""

from __future__ import annotations

import pytest

from connector.models import (
    CollectionErrorKind as K,
    HistoryContext,
    InconclusiveReason as R,
    Outcome,
    Policy,
)
from connector.reconcile import evaluate


def _healthy(build, **snapshot_args):  # noqa: ANN001, ANN003, ANN202
    """Two identities (one present, one leaver gone) and one good portal account."""
    ids = [build.identity("a@x.com", portal_access=True), build.identity("b@x.com", active=False)]
    return build.snapshot(ids, [build.row("a@x.com")], [build.account("a@x.com")], **snapshot_args)


@pytest.mark.parametrize(("kind", "reason"), [
    (K.SIGN_IN_FAILED, R.SIGN_IN_FAILED),
    (K.SESSION_EXPIRED, R.SIGN_IN_FAILED),
    (K.PAGE_NOT_LOADED, R.PAGE_NOT_LOADED),
    (K.TIMEOUT, R.PAGE_NOT_LOADED),
    (K.MAINTENANCE, R.MAINTENANCE),
    (K.UI_CHANGED, R.UI_CHANGED),
    (K.COUNT_MISMATCH, R.COUNT_MISMATCH),
    (K.DUPLICATE_ROWS, R.COUNT_MISMATCH),
    (K.SOURCES_DISAGREE, R.COUNT_MISMATCH),
    (K.TOTAL_CHANGED, R.TOTAL_CHANGED),
    (K.ROWS_MOVED, R.ROWS_MOVED),
    (K.READ_ONLY_VIOLATION, R.READ_ONLY_VIOLATION),
    (K.HTTP_ERROR, R.INCOMPLETE_READ),
    (K.RATE_LIMITED, R.INCOMPLETE_READ),
    (K.PARSE_ERROR, R.INCOMPLETE_READ),
])
@pytest.mark.parametrize("surface", ["user_monitoring", "portal_users"])
def test_collection_error_maps_to_reason(build, kind: K, reason: R, surface: str) -> None:  # noqa: ANN001
    """A fatal collection error on a needed surface makes the run inconclusive with its reason."""
    other = "portal_users" if surface == "user_monitoring" else "user_monitoring"
    collections = [build.collection(surface, 1, complete=False, error=kind), build.collection(other, 1)]
    report = evaluate(_healthy(build, collections=collections), Policy())
    assert report.verdict == "inconclusive"
    assert [(r.reason, r.surface) for r in report.reasons] == [(reason, surface)]
    assert report.identities_verified == 0


def test_incomplete_without_errors_is_incomplete_read(build) -> None:  # noqa: ANN001
    """A read marked incomplete with no error recorded still counts as incomplete."""
    collections = [build.collection("user_monitoring", 1, complete=False), build.collection("portal_users", 1)]
    report = evaluate(_healthy(build, collections=collections), Policy())
    assert [r.reason for r in report.reasons] == [R.INCOMPLETE_READ]


def test_complete_read_with_wrong_count_is_count_mismatch(build) -> None:  # noqa: ANN001
    """A read that claims completeness but read fewer rows than promised is not trusted."""
    collections = [build.collection("user_monitoring", 1, expected=2), build.collection("portal_users", 1)]
    report = evaluate(_healthy(build, collections=collections), Policy())
    assert [r.reason for r in report.reasons] == [R.COUNT_MISMATCH]


@pytest.mark.parametrize("surface", ["user_monitoring", "portal_users"])
def test_missing_collection_is_not_collected(build, surface: str) -> None:  # noqa: ANN001
    """A needed surface that was not read at all: not_collected."""
    other = "portal_users" if surface == "user_monitoring" else "user_monitoring"
    report = evaluate(_healthy(build, collections=[build.collection(other, 1)]), Policy())
    assert [(r.reason, r.surface) for r in report.reasons] == [(R.NOT_COLLECTED, surface)]


def test_read_only_violation_on_any_surface_taints_the_run(build) -> None:  # noqa: ANN001
    """A blocked write even on an optional surface, even non-fatal, makes the run inconclusive."""
    collections = [build.collection("user_monitoring", 1), build.collection("portal_users", 1),
                   build.collection("groups", 0, error=K.READ_ONLY_VIOLATION, fatal=False)]
    report = evaluate(_healthy(build, collections=collections), Policy())
    assert [(r.reason, r.surface) for r in report.reasons] == [(R.READ_ONLY_VIOLATION, "groups")]


def test_optional_surface_failure_does_not_block_a_verdict(build) -> None:  # noqa: ANN001
    """Groups (read, but judged by no rule) failing does not make the verdict inconclusive.

    The Audit Trail, API Tokens and Directory Sync are judged now: see test_rules_surfaces.py."""
    collections = [build.collection("user_monitoring", 1), build.collection("portal_users", 1),
                   build.collection("groups", 0, complete=False, error=K.PAGE_NOT_LOADED)]
    assert evaluate(_healthy(build, collections=collections), Policy()).verdict == "verified"


@pytest.mark.parametrize(("args", "reason_text"), [
    ({"no_source": True}, "no identity source"),
    ({"source_complete": False}, "page 3 failed"),
])
def test_provider_problem_is_provider_failed(build, args: dict, reason_text: str) -> None:  # noqa: ANN001
    """A missing or incomplete identity source: provider_failed, and orphans become unverified."""
    report = evaluate(_healthy(build, **args), Policy())
    assert [r.reason for r in report.reasons] == [R.PROVIDER_FAILED]
    assert reason_text in report.reasons[0].message
    assert Outcome.ORPHAN not in {f.outcome for f in report.findings}


@pytest.mark.parametrize(("before", "now", "trips"), [(100, 79, True), (100, 80, False), (0, 0, False)])
def test_shrink_guard(build, before: int, now: int, trips: bool) -> None:  # noqa: ANN001
    """A surface that shrank by more than the share since the baseline: shrink_guard."""
    history = HistoryContext(baseline_counts={"user_monitoring": before, "portal_users": 1})
    collections = [build.collection("user_monitoring", now), build.collection("portal_users", 1)]
    report = evaluate(_healthy(build, collections=collections, history=history),
                      Policy(shrink_guard_share=0.2))
    assert ([r.reason for r in report.reasons] == [R.SHRINK_GUARD]) is trips
    assert (report.verdict == "inconclusive") is trips


def test_shrink_guard_watches_the_identity_source(build) -> None:  # noqa: ANN001
    """An identity export that suddenly lost most people trips the guard (no mass 'not_removed')."""
    history = HistoryContext(baseline_counts={"identities": 50})
    report = evaluate(_healthy(build, history=history), Policy())
    assert [r.reason for r in report.reasons] == [R.SHRINK_GUARD]


def test_absences_become_unverified_when_their_read_is_incomplete(build) -> None:  # noqa: ANN001
    """With User Monitoring incomplete, 'absent' claims (in_sync leaver, missing) are unverified."""
    ids = [build.identity("a@x.com"), build.identity("b@x.com", active=False), build.identity("c@x.com")]
    collections = [build.collection("user_monitoring", 1, complete=False, error=K.TOTAL_CHANGED),
                   build.collection("portal_users", 0)]
    report = evaluate(build.snapshot(ids, [build.row("a@x.com")], collections=collections), Policy())
    by_subject = {f.subject: (f.outcome, f.original_outcome) for f in report.findings}
    assert by_subject == {"a@x.com": (Outcome.IN_SYNC, None),
                          "b@x.com": (Outcome.UNVERIFIED, Outcome.IN_SYNC),
                          "c@x.com": (Outcome.UNVERIFIED, Outcome.MISSING)}
    assert report.identities_verified == 0


def test_presence_findings_survive_an_inconclusive_run(build) -> None:  # noqa: ANN001
    """A leaver seen with an active portal account is reported even when another read failed."""
    ids = [build.identity("b@x.com", active=False)]
    collections = [build.collection("user_monitoring", 0, complete=False, error=K.MAINTENANCE),
                   build.collection("portal_users", 1)]
    report = evaluate(build.snapshot(ids, [], [build.account("b@x.com")], collections=collections), Policy())
    assert report.verdict == "inconclusive"
    assert Outcome.ACCESS_RETAINED in {f.outcome for f in report.findings}


def test_reasons_are_unique_and_sorted(build) -> None:  # noqa: ANN001
    """Several collections failing the same way give one reason per surface and message, sorted."""
    collections = [build.collection("portal_users", 0, complete=False, error=K.UI_CHANGED),
                   build.collection("user_monitoring", 0, complete=False, error=K.MAINTENANCE),
                   build.collection("user_monitoring", 0, complete=False, error=K.MAINTENANCE, source="api")]
    report = evaluate(_healthy(build, collections=collections), Policy())
    assert [(r.reason, r.surface) for r in report.reasons] == [
        (R.MAINTENANCE, "user_monitoring"), (R.UI_CHANGED, "portal_users")]


def test_every_reason_is_reachable() -> None:
    """The tests above cover every InconclusiveReason (guards against a new, untested reason)."""
    covered = {R.SIGN_IN_FAILED, R.PAGE_NOT_LOADED, R.MAINTENANCE, R.COUNT_MISMATCH, R.TOTAL_CHANGED,
               R.UI_CHANGED, R.PROVIDER_FAILED, R.SHRINK_GUARD, R.READ_ONLY_VIOLATION,
               R.INCOMPLETE_READ, R.NOT_COLLECTED}
    covered |= {R.UNKNOWN_IDENTITY}  # spot checks only: tests/unit/cli/test_check_inputs.py
    covered |= {R.ROWS_MOVED}
    assert covered == set(R)

