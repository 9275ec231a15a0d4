"""Propagation delays: pairing provider changes with Audit Trail events, percentiles, trust."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.models import AuditEvent, Identity, Outcome, Policy, Propagation, Snapshot
from connector.propagation import first_at_or_after, percentile, summarise, with_propagation
from connector.reconcile import evaluate

H = timedelta(hours=1)
NOW_ANCHOR = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def event(build: Any, ago: timedelta, type_: str, details: str) -> AuditEvent:
    """An Audit Trail event `ago` before the evaluation time."""
    return AuditEvent(timestamp=build.now - ago, category="Directory Sync", type=type_,
                      details=details)


def added(build: Any, ago: timedelta, address: str) -> AuditEvent:
    return event(build, ago, "User Added", f"{address} added by directory sync")


def removed(build: Any, ago: timedelta, address: str) -> AuditEvent:
    return event(build, ago, "User Removed", f"{address} removed by directory sync")


def snap(build: Any, identities: list[Identity], events: list[AuditEvent], *,
         audit_complete: bool = True, source: str = "api", **extra: Any) -> Snapshot:
    """A snapshot with complete User Monitoring and Portal Users reads, and this Audit Trail."""
    base = build.snapshot(identities, **extra)
    audit = build.collection("audit_trail", len(events), complete=audit_complete, source=source)
    return base.model_copy(update={"audit_events": tuple(events),
                                   "collections": (*base.collections, audit)})


def measured(snapshot: Snapshot, policy: Policy | None = None) -> Propagation | None:
    return with_propagation([], snapshot, policy or Policy())[1]


def test_joiner_pairs_with_the_first_user_added_at_or_after_the_change(build: Any) -> None:
    """A joiner's delay runs from its change to the first later "User Added" naming it."""
    ada = build.identity("ada@acme.example", changed_ago=10 * H)
    events = [added(build, 12 * H, "ada@acme.example"),  # before the change: an older join
              added(build, 4 * H, "ada@acme.example"), added(build, 7 * H, "ada@acme.example"),
              removed(build, 6 * H, "ada@acme.example")]  # wrong type for a joiner
    assert measured(snap(build, [ada], events)) == Propagation(
        count=1, p50_s=3 * 3600, p95_s=3 * 3600, max_s=3 * 3600)


def test_leaver_pairs_with_user_removed_not_user_added(build: Any) -> None:
    """An identity that stopped being protected is measured by "User Removed" only."""
    bob = build.identity("bob@acme.example", active=False, changed_ago=5 * H)
    carl = build.identity("carl@acme.example", protected=False, changed_ago=5 * H)
    events = [added(build, 4 * H, "bob@acme.example"), removed(build, 3 * H, "bob@acme.example"),
              removed(build, 1 * H, "carl@acme.example")]
    assert measured(snap(build, [bob, carl], events)) == Propagation(
        count=2, p50_s=2 * 3600, p95_s=4 * 3600, max_s=4 * 3600)


def test_events_name_identities_by_alias_and_domain_map_but_never_ambiguously(build: Any) -> None:
    """Addresses in details match like portal rows: alias and domain map yes, ambiguity no."""
    ann = build.identity("ann@acme.example", aliases=["a.n@acme.example"], changed_ago=3 * H)
    dan = build.identity("dan@acme.example", changed_ago=3 * H)
    twins = [build.identity(f"sam{i}@acme.example", aliases=["sam@acme.example"],
                            changed_ago=3 * H) for i in (1, 2)]
    events = [added(build, 2 * H, "A.N@ACME.EXAMPLE"), added(build, 1 * H, "dan@old.example"),
              added(build, 1 * H, "sam@acme.example")]
    policy = Policy(domain_map={"old.example": "acme.example"})
    assert measured(snap(build, [ann, dan, *twins], events), policy) == Propagation(
        count=2, p50_s=3600, p95_s=7200, max_s=7200)


def test_changes_without_a_later_event_are_not_measured(build: Any) -> None:
    """No event at or after the change (or no change time) measures nothing: count 0, no figures."""
    eve = build.identity("eve@acme.example", changed_ago=2 * H)
    old = build.identity("old@acme.example")  # changed_at unknown
    events = [added(build, 3 * H, "eve@acme.example"), added(build, 1 * H, "old@acme.example")]
    assert measured(snap(build, [eve, old], events)) == Propagation(count=0)


def test_out_of_scope_identities_are_not_measured(build: Any) -> None:
    """An identity outside in_scope_domains has no finding, so it adds no delay either."""
    out = build.identity("out@partner.example", changed_ago=2 * H)
    events = [added(build, 1 * H, "out@partner.example")]
    policy = Policy(in_scope_domains=("acme.example",))
    assert measured(snap(build, [out], events), policy) == Propagation(count=0)


def test_dom_times_are_minutes_so_an_event_in_the_changes_minute_counts(build: Any) -> None:
    """Read from the page (to the minute), an event shown in the change's minute counts as 0 s."""
    fay = build.identity("fay@acme.example", changed_ago=timedelta(seconds=30))
    shown = [added(build, timedelta(seconds=50), "fay@acme.example")]  # 20 s before the change
    assert measured(snap(build, [fay], shown, source="dom")) == Propagation(
        count=1, p50_s=0.0, p95_s=0.0, max_s=0.0)
    assert measured(snap(build, [fay], shown, source="api")) == Propagation(count=0)
    a_minute_before = [added(build, timedelta(seconds=90), "fay@acme.example")]
    assert measured(snap(build, [fay], a_minute_before, source="dom")) == Propagation(count=0)


def test_changes_before_the_audit_windows_start_are_not_measured(build: Any) -> None:
    """A change older than the Audit Trail window may have landed unseen: only later ones count."""
    kim = build.identity("kim@acme.example", changed_ago=10 * H)  # its first event may be unread
    lea = build.identity("lea@acme.example", changed_ago=3 * H)
    events = [added(build, 2 * H, "kim@acme.example"), added(build, 1 * H, "lea@acme.example")]
    snapshot = snap(build, [kim, lea], events)
    audit = snapshot.collections[-1].model_copy(update={"window_since": build.now - 5 * H})
    windowed = snapshot.model_copy(update={"collections": (*snapshot.collections[:-1], audit)})
    assert measured(snapshot) == Propagation(count=2, p50_s=7200, p95_s=8 * 3600,
                                             max_s=8 * 3600)
    assert measured(windowed) == Propagation(count=1, p50_s=7200, p95_s=7200, max_s=7200)


@pytest.mark.parametrize("case", ["audit_partial", "audit_not_read", "source_partial"])
def test_a_partial_read_measures_nothing(build: Any, case: str) -> None:
    """Without complete Audit Trail and identity reads, propagation is None, not partial figures."""
    gus = build.identity("gus@acme.example", changed_ago=2 * H)
    events = [added(build, 1 * H, "gus@acme.example")]
    snapshot = snap(build, [gus], events, audit_complete=case != "audit_partial",
                    source_complete=case != "source_partial")
    if case == "audit_not_read":
        snapshot = snapshot.model_copy(update={"collections": snapshot.collections[:2]})
    report = evaluate(snapshot, Policy())
    assert report.propagation is None
    assert all(f.details.get("delay") != "audit_trail" for f in report.findings)


def test_evaluate_fills_the_report_and_the_identitys_finding(build: Any) -> None:
    """evaluate() puts the run's figures on the report and each delay on its identity's finding."""
    hal = build.identity("hal@acme.example", changed_ago=30 * H)
    ivy = build.identity("ivy@acme.example", active=False, changed_ago=30 * H)
    rows = [build.row("hal@acme.example", created_ago=29 * H)]
    events = [added(build, 25 * H, "hal@acme.example"), removed(build, 28 * H, "ivy@acme.example")]
    report = evaluate(snap(build, [hal, ivy], events, rows=rows), Policy())
    assert report.propagation == Propagation(count=2, p50_s=2 * 3600, p95_s=5 * 3600,
                                             max_s=5 * 3600)
    by_subject = {f.subject: f for f in report.findings if f.surface == "user_monitoring"}
    assert by_subject["hal@acme.example"].delay == 5 * H  # the audit event, not "first seen"
    assert by_subject["hal@acme.example"].details["landed_event"] == "User Added"
    assert by_subject["ivy@acme.example"].outcome == Outcome.IN_SYNC
    assert by_subject["ivy@acme.example"].delay == 2 * H
    assert by_subject["ivy@acme.example"].details["delay"] == "audit_trail"


@given(st.lists(st.integers(0, 10_000), max_size=30), st.integers(0, 10_000),
       st.sampled_from([0, 60]))
def test_the_paired_event_is_the_earliest_that_may_follow_the_change(
    offsets: list[int], change: int, resolution_s: int
) -> None:
    """The pairing picks the earliest event whose true time may be at or after the change."""
    moments = sorted(NOW_ANCHOR + timedelta(seconds=o) for o in offsets)
    start = NOW_ANCHOR + timedelta(seconds=change)
    resolution = timedelta(seconds=resolution_s)
    possible = [m for m in moments if m >= start or (resolution and m + resolution > start)]
    assert first_at_or_after(moments, start, resolution) == (min(possible) if possible else None)


def test_nearest_rank_percentiles_on_a_known_sample() -> None:
    """Nearest rank: p-th percentile of n sorted values is the one at rank ceil(p/100 * n)."""
    values = [40.0, 15.0, 50.0, 35.0, 20.0]
    assert [percentile(values, p) for p in (5, 30, 40, 50, 95, 100)] == [15, 20, 20, 35, 50, 50]
    assert summarise([]) == Propagation(count=0)
    with pytest.raises(ValueError):
        percentile([], 50)


@given(st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=60),
       st.floats(0.5, 100))
def test_percentile_is_the_nearest_rank_value(values: list[float], p: float) -> None:
    """The result is a sample value with at least p% of the sample at or below it, and less than
    p% strictly below it."""
    result = percentile(values, p)
    n = len(values)
    assert result in values
    assert sum(v <= result for v in values) >= math.ceil(p / 100 * n)
    assert sum(v < result for v in values) < max(1, math.ceil(p / 100 * n))


@given(st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=60))
def test_summary_figures_are_ordered(values: list[float]) -> None:
    """p50 <= p95 <= max, and max is the largest delay."""
    figures = summarise(values)
    assert figures.count == len(values)
    assert figures.p50_s is not None and figures.p95_s is not None
    assert figures.p50_s <= figures.p95_s <= (figures.max_s or 0.0) == max(values)
