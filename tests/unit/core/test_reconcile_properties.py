"""Property tests: an incomplete picture never produces `verified` or an in_sync resting on absence."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.matching import normalise
from connector.models import CollectionErrorKind, Outcome, Policy
from connector.reconcile import evaluate

LOCALS = st.sampled_from(["ann", "bob", "cy", "dee", "eve", "fay"])
DOMAINS = st.sampled_from(["x.com", "old.com"])
EMAILS = st.builds(lambda l, d: f"{l}@{d}", LOCALS, DOMAINS)
AGES = st.one_of(st.none(), st.sampled_from([timedelta(hours=1), timedelta(days=3)]))


def _identities(build):  # noqa: ANN001, ANN202
    one = st.builds(lambda e, a, p, pa, al, age: build.identity(
        e, active=a, protected=p, portal_access=pa, aliases=al, changed_ago=age),
        EMAILS, st.booleans(), st.booleans(), st.booleans(), st.lists(EMAILS, max_size=1), AGES)
    return st.lists(one, max_size=5, unique_by=lambda i: normalise(i.email))


def _rows(build):  # noqa: ANN001, ANN202
    return st.lists(st.builds(lambda e, s: build.row(e, sync_state=s), EMAILS,
                              st.sampled_from(["Live", "Queued"])), max_size=5)


def _accounts(build):  # noqa: ANN001, ANN202
    return st.lists(st.builds(lambda e, s: build.account(e, status=s), EMAILS,
                              st.sampled_from(["Active", "Invited", "Deactivated"])), max_size=3)


def _broken_collections(build, rows: int, accounts: int):  # noqa: ANN001, ANN202
    """Collections where at least one needed surface is missing or incomplete."""
    def coll(surface: str, count: int, state: str):  # noqa: ANN202
        if state == "missing":
            return []
        if state == "incomplete":
            return [build.collection(surface, count, complete=False, error=CollectionErrorKind.PAGE_NOT_LOADED)]
        return [build.collection(surface, count)]
    states = st.sampled_from(["ok", "missing", "incomplete"])
    return st.tuples(states, states).filter(lambda s: s != ("ok", "ok")).map(
        lambda s: coll("user_monitoring", rows, s[0]) + coll("portal_users", accounts, s[1]))


def _absence_in_sync(report, snapshot) -> list[str]:  # noqa: ANN001
    """in_sync findings whose row is not among the rows actually read."""
    seen = {normalise(r.address) for r in snapshot.monitored_users} | {
        normalise(a.email) for a in snapshot.portal_users}
    return [f.key for f in report.findings if f.outcome == Outcome.IN_SYNC
            and (f.details.get("observed") != "present" or f.details.get("row_address") not in seen)]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_incomplete_portal_read_is_never_verified(build, data) -> None:  # noqa: ANN001
    """A missing or incomplete User Monitoring / Portal Users read never yields `verified`."""
    identities = data.draw(_identities(build))
    rows, accounts = data.draw(_rows(build)), data.draw(_accounts(build))
    collections = data.draw(_broken_collections(build, len(rows), len(accounts)))
    snapshot = build.snapshot(identities, rows, accounts, collections=collections)
    report = evaluate(snapshot, Policy(domain_map={"old.com": "x.com"}))
    assert report.verdict == "inconclusive"
    assert report.identities_verified == 0
    assert _absence_in_sync(report, snapshot) == []


@settings(max_examples=150, deadline=None)
@given(data=st.data(), missing=st.booleans())
def test_incomplete_identity_source_is_never_verified(build, data, missing: bool) -> None:  # noqa: ANN001
    """A missing or partial identity source never yields `verified` nor an orphan/unknown admin."""
    identities = data.draw(_identities(build))
    rows, accounts = data.draw(_rows(build)), data.draw(_accounts(build))
    snapshot = build.snapshot(identities, rows, accounts, source_complete=False, no_source=missing)
    report = evaluate(snapshot, Policy())
    assert report.verdict == "inconclusive"
    assert _absence_in_sync(report, snapshot) == []
    assert not {Outcome.ORPHAN, Outcome.UNMANAGED_ADMIN} & {
        f.outcome for f in report.findings if f.identity_id is None}


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_complete_reads_always_reach_a_verdict(build, data) -> None:  # noqa: ANN001
    """With everything read completely (and no history), the run is verified or drift, never unverified."""
    identities = data.draw(_identities(build))
    snapshot = build.snapshot(identities, data.draw(_rows(build)), data.draw(_accounts(build)))
    report = evaluate(snapshot, Policy())
    assert report.verdict in ("verified", "drift")
    assert Outcome.UNVERIFIED not in {f.outcome for f in report.findings}
    assert len({f.key for f in report.findings}) == len(report.findings)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_input_order_does_not_change_the_report(build, data) -> None:  # noqa: ANN001
    """Shuffling identities, rows and accounts yields the same findings in the same order."""
    identities = data.draw(_identities(build))
    rows, accounts = data.draw(_rows(build)), data.draw(_accounts(build))
    first = evaluate(build.snapshot(identities, rows, accounts), Policy())
    shuffled = build.snapshot(data.draw(st.permutations(identities)), data.draw(st.permutations(rows)),
                              data.draw(st.permutations(accounts)))
    assert evaluate(shuffled, Policy()).findings == first.findings


@settings(max_examples=60, deadline=None)
@given(data=st.data(), lost=st.integers(min_value=1, max_value=5))
def test_shrink_guard_trip_is_never_verified(build, data, lost: int) -> None:  # noqa: ANN001
    """A User Monitoring count far below the baseline is inconclusive whatever the findings."""
    from connector.models import HistoryContext

    rows = data.draw(_rows(build))
    history = HistoryContext(baseline_counts={"user_monitoring": (len(rows) + lost) * 2})
    report = evaluate(build.snapshot(data.draw(_identities(build)), rows, history=history), Policy())
    assert report.verdict == "inconclusive"
    assert _absence_in_sync(report, build.snapshot(rows=rows)) == []
