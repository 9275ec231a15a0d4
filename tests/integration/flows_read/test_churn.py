"""Rows that move mid-read (the churn fault: one joiner in, one user out per page load, the total
constant) never give a complete read that misses a row present throughout or reads one twice.

Every outcome is classified: `correct` (complete, every row present throughout was read, none
twice), `inconclusive` (incomplete, naming rows_moved) or `false` (complete, yet a row present
throughout was never read or was read twice). `false` must never happen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.models import Collection, MonitoredUser
from fixtures.tenants.generate import write_tenant
from flows.session import PortalSession
from tests.integration.flows_read.reading import addresses, kinds, read_users, tenant

pytestmark = pytest.mark.integration
PLACES = [("before", "after"), ("after", "before"), ("before", "before"), ("after", "after")]
SEEDS = range(1, 21)
USERS, PAGE = 60, 25  # three pages: 25, 25, 10
MOVED = {"rows_moved", "total_changed", "duplicate_rows"}  # the ways a moving list shows


def present_throughout(portal: Any, start: set[str]) -> set[str]:
    """The start rows that churn never removed (removed rows never come back)."""
    removed = portal.control.client.get("/churn").json().get("monitored-users", {}).get("removed", [])
    return start - {a.casefold() for a in removed}


def outcome(users: list[MonitoredUser], collection: Collection, throughout: set[str]) -> str:
    """correct / inconclusive / false, as the module docstring defines them."""
    read = [u.address.casefold() for u in users]
    if not collection.complete:  # rows moved: detected as such, or as a side effect (read twice)
        assert kinds(collection, fatal=True) & MOVED, collection.errors
        return "inconclusive"
    sound = throughout <= set(read) and len(read) == len(set(read)) == collection.expected_count
    return "correct" if sound else "false"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 60-user tenant: three pages of 25 (small pages keep the many reads quick)."""
    return write_tenant(tmp_path_factory.mktemp("churn") / "churn-60.json", USERS, seed=9)


def churned_read(portal: Any, session: PortalSession, path: Path, **faults: Any) -> str:
    """Read the tenant at `path` in pages of 25 under churn; classify the outcome."""
    portal.control.load_tenant(path)
    portal.control.faults(churn=1, **faults)
    users, collection = read_users(session, page_size=PAGE)
    return outcome(users, collection, present_throughout(portal, addresses(tenant(path))))


@pytest.mark.parametrize(("remove", "join"), PLACES)
def test_every_churn_placement_is_correct_or_inconclusive(
        portal: Any, session: PortalSession, small: Path, remove: str, join: str) -> None:
    """Each side of the page boundary for the removal and the joiner: never a false complete."""
    result = churned_read(portal, session, small, churn_remove=remove, churn_join=join)
    assert result in {"correct", "inconclusive"}


def test_a_skipped_row_is_never_reported_complete(portal: Any, session: PortalSession,
                                                  small: Path) -> None:
    """Removal before the boundary, joiner after it: offset paging skips a row yet counts 60 of
    60; the read ends incomplete with rows_moved instead."""
    result = churned_read(portal, session, small, churn_remove="before", churn_join="after")
    assert result == "inconclusive"


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_churn_placements_give_no_false_complete(portal: Any, session: PortalSession,
                                                        small: Path, seed: int) -> None:
    """20 seeded random placements on three pages (one test each): never a false complete."""
    result = churned_read(portal, session, small, churn_remove="random", churn_join="random",
                          seed=seed)
    assert result in {"correct", "inconclusive"}


def test_a_single_page_list_under_churn_is_read_complete(portal: Any, session: PortalSession,
                                                         small: Path) -> None:
    """One page (60 users, page size 100) is one atomic load: complete and exact under churn,
    read once (no second look needed)."""
    portal.control.load_tenant(small)
    portal.control.faults(churn=1, churn_remove="before", churn_join="after")
    users, collection = read_users(session, page_size=100)
    assert collection.complete and collection.pages_read == 1 and not collection.errors
    assert {u.address.casefold() for u in users} == addresses(tenant(small))
