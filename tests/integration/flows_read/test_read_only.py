"""A write the read-only guard blocks while reading makes that surface's read untrustworthy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from connector.models import CollectionErrorKind
from flows.collect import collect
from flows.session import PortalSession
from tests.integration.flows_read.reading import FAST, assert_incomplete_because, kinds

pytestmark = pytest.mark.integration
ROGUE_PATH = "/0/admin/integrations/api/tokens/create"


def test_rogue_write_is_aborted_and_marks_each_list_read_incomplete(
    portal: Any, session: PortalSession
) -> None:
    """With the rogue_write fault every list page POSTs on load: the guard aborts each post (the
    portal records no write), and each list surface says incomplete with READ_ONLY_VIOLATION,
    while the details page read in between (no script) stays complete."""
    portal.control.faults(rogue_write=True)
    surfaces = ("user_monitoring", "directory_sync", "portal_users")
    read = collect(session, replace(FAST, surfaces=surfaces))
    assert portal.control.writes() == []
    assert {(v.method, v.path) for v in session.violations} == {("POST", ROGUE_PATH)}
    for surface in ("user_monitoring", "portal_users"):
        found = read.collection(surface)
        assert found is not None
        assert_incomplete_because(found, CollectionErrorKind.READ_ONLY_VIOLATION)
        assert any(ROGUE_PATH in e.message for e in found.errors)
    sync = read.collection("directory_sync")
    assert sync is not None and sync.complete, sync.errors
    assert CollectionErrorKind.READ_ONLY_VIOLATION not in kinds(sync)
    assert read.monitored_users  # the rows were still read; only their trust is withdrawn
    tainted = [c.surface for c in read.collections
               if CollectionErrorKind.READ_ONLY_VIOLATION in kinds(c)]
    assert tainted == ["user_monitoring", "portal_users"]  # each page's own posts, nowhere else


def test_a_write_blocked_before_the_first_read_goes_to_the_first_collection(
    portal: Any, session: PortalSession
) -> None:
    """A write blocked after sign-in but before any reader ran is attributed to the first surface
    read, so it cannot slip through unreported."""
    outcome = session.page.evaluate(
        "() => fetch('/0/admin/groups/1/delete', {method: 'POST'}).then(() => 'sent', () => 'blocked')")
    assert outcome == "blocked"
    read = collect(session, replace(FAST, surfaces=("api_tokens", "groups")))
    first, second = read.collection("api_tokens"), read.collection("groups")
    assert first is not None and second is not None
    assert_incomplete_because(first, CollectionErrorKind.READ_ONLY_VIOLATION)
    assert second.complete, second.errors
    assert portal.control.writes() == []
