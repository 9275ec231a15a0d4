"""The public API reader against the fixture's API: checkpoints, short and empty pages, 429s
with Retry-After, 5xx retries, refused tokens, and the DOM/API cross-check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from connector.models import CollectionErrorKind as K
from flows.api_reader import ApiOptions, ApiReader, read_monitored_users
from flows.collect import ReadOptions, collect, collect_api
from flows.session import PortalSession
from tests.integration.flows_read.reading import (
    FAST,
    addresses,
    assert_incomplete_because,
    kinds,
    tenant,
)

pytestmark = pytest.mark.integration
TOKEN = "synthetic-api-token-0123456789"  # the scenario tenants' token (FORMAT.md)
DEMO_TOKEN = "demo-api-token-0123456789"


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the reader asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def reader(portal: Any, sleeps: list[float]) -> Iterator[ApiReader]:
    """An API reader on the 251-user tenant with 100-row pages and recorded sleeps."""
    portal.control.load_tenant("one-page-plus-one")
    api = ApiReader(portal.url, TOKEN, options=ApiOptions(limit=100), sleep=sleeps.append)
    yield api
    api.close()


def _api_queries(portal: Any) -> list[str]:
    return [r["query"] for r in portal.control.requests() if r["path"] == "/api/v1/monitoring/users"]


def test_follows_checkpoints_until_no_additional_results(portal: Any, reader: ApiReader) -> None:
    """251 users in pages of 100: three calls, the later ones with after_checkpoint, all read."""
    users, collection = read_monitored_users(reader)
    assert collection.complete and collection.source == "api" and collection.read_count == 251
    assert {u.address.casefold() for u in users} == addresses(tenant("one-page-plus-one"))
    queries = _api_queries(portal)
    assert len(queries) == 3 and all("after_checkpoint" in q for q in queries[1:])


@pytest.mark.parametrize(("switches", "min_pages"), [
    ({"api_short_pages": 7}, 36),
    ({"api_empty_pages": [0, 2]}, 5),
    ({"api_trailing_empty": True}, 4),
])
def test_short_and_empty_pages_do_not_end_the_read(portal: Any, reader: ApiReader,
                                                   switches: dict[str, Any], min_pages: int) -> None:
    """Only additional_results decides: short pages, empty pages and a trailing empty page."""
    portal.control.faults(**switches)
    users, collection = read_monitored_users(reader)
    assert collection.complete and len(users) == 251
    assert collection.pages_read >= min_pages


def test_429_waits_as_retry_after_says(portal: Any, reader: ApiReader, sleeps: list[float]) -> None:
    """Two 429s with Retry-After: 2 -> two 2-second waits, then a complete read, noted."""
    portal.control.faults(fault_path_prefix="/api/", rate_limit_next=2, retry_after=2)
    _, collection = read_monitored_users(reader)
    assert collection.complete and collection.read_count == 251
    assert sleeps == [2.0, 2.0]
    assert K.RATE_LIMITED in kinds(collection, fatal=False)


def test_retry_after_is_bounded(portal: Any, reader: ApiReader, sleeps: list[float]) -> None:
    """A Retry-After of 999 s is capped (max_retry_after_s), never obeyed blindly."""
    portal.control.faults(fault_path_prefix="/api/", rate_limit_next=1, retry_after=999)
    _, collection = read_monitored_users(reader)
    assert collection.complete and sleeps == [30.0]


def test_endless_429_ends_incomplete(portal: Any, reader: ApiReader, sleeps: list[float]) -> None:
    """Still 429 after every allowed try: rate_limited, incomplete, a bounded number of waits."""
    portal.control.faults(fault_path_prefix="/api/", rate_limit_share=1.0, retry_after=0)
    users, collection = read_monitored_users(reader)
    assert_incomplete_because(collection, K.RATE_LIMITED)
    assert users == [] and len(sleeps) == ApiOptions().attempts - 1


def test_a_5xx_is_retried(portal: Any, reader: ApiReader) -> None:
    """fail_nth on the API: one 500, retried, complete."""
    portal.control.faults(fault_path_prefix="/api/", fail_nth=2)
    _, collection = read_monitored_users(reader)
    assert collection.complete and collection.read_count == 251
    assert K.HTTP_ERROR in kinds(collection, fatal=False)


def test_persistent_5xx_ends_incomplete_after_bounded_tries(portal: Any, reader: ApiReader) -> None:
    """Every call fails: http_error, incomplete, no rows, and only `attempts` calls were made."""
    portal.control.faults(fault_path_prefix="/api/", fail_share=1.0)
    users, collection = read_monitored_users(reader)
    assert_incomplete_because(collection, K.HTTP_ERROR)
    assert users == [] and len(_api_queries(portal)) == ApiOptions().attempts


def test_a_refused_token_is_reported_without_the_token(portal: Any) -> None:
    """A token the API refuses (403): http_error, incomplete; the token is in no message."""
    portal.control.load_tenant("one-user")
    bad = "wrong-token-5f2b9c"
    read = collect_api(portal.url, bad, replace(FAST, surfaces=("user_monitoring",)))
    collection = read.collection("user_monitoring", "api")
    assert collection is not None
    assert_incomplete_because(collection, K.HTTP_ERROR)
    assert "403" in collection.errors[-1].message
    assert bad not in collection.model_dump_json()


def test_collect_api_reads_users_groups_and_audits(portal: Any) -> None:
    """collect_api: the three API surfaces, complete, matching the tenant; no browser needed."""
    portal.control.load_tenant("demo")
    data = tenant("demo")
    read = collect_api(portal.url, DEMO_TOKEN, ReadOptions())
    assert {c.surface for c in read.collections} == {"user_monitoring", "groups", "audit_trail"}
    assert all(c.complete and c.source == "api" for c in read.collections)
    assert len(read.monitored_users) == len(data["monitored_users"])
    assert {g.name: len(g.members or ()) for g in read.groups} == {
        g["name"]: len(g["members"]) for g in data["groups"]}
    assert len(read.audit_events) == len(data["audit_events"])


def test_cross_check_agrees_on_a_quiet_tenant(portal: Any, session: PortalSession) -> None:
    """cross-check: DOM and API reads of User Monitoring, both complete, no disagreement."""
    portal.control.load_tenant("one-page")
    read = collect(session, replace(FAST, surfaces=("user_monitoring",), mode="cross-check",
                                    api_token=TOKEN))
    dom, api = read.collection("user_monitoring", "dom"), read.collection("user_monitoring", "api")
    assert dom is not None and api is not None
    assert dom.complete and api.complete and dom.read_count == api.read_count == 250


def test_cross_check_records_a_disagreement_on_both_records(portal: Any,
                                                            session: PortalSession) -> None:
    """A user synced in after the DOM read: the API sees one more; sources_disagree, both incomplete."""
    portal.control.load_tenant("one-page")
    portal.control.faults(drift_add=1)  # after each User Monitoring page load
    read = collect(session, replace(FAST, surfaces=("user_monitoring",), mode="cross-check",
                                    api_token=TOKEN))
    for source in ("dom", "api"):
        collection = read.collection("user_monitoring", source)
        assert collection is not None
        assert_incomplete_because(collection, K.SOURCES_DISAGREE)
        message = next(e.message for e in collection.errors if e.kind == K.SOURCES_DISAGREE)
        assert "only in the API: 1" in message
