"""Headed debugging pauses at a failed read: readers record failures instead of raising, so
`collect` itself must stop at the failing page when the session asks for pause-on-failure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flows.collect import ReadOptions, collect
from flows.session import PortalSession

USERS_ONLY = ReadOptions(surfaces=("user_monitoring", "directory_sync"), page_timeout_ms=4_000)


@pytest.fixture
def pauses(session: PortalSession, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each call of the page's pause() instead of opening the Playwright inspector."""
    calls: list[str] = []
    monkeypatch.setattr(session.page, "pause", lambda: calls.append(session.page.url))
    return calls


def test_a_failed_read_pauses_a_headed_debug_session(
    portal: Any, session: PortalSession, pauses: list[str]
) -> None:
    """With pause_on_failure in a headed session, the page of an incomplete read is paused on."""
    session.options = replace(session.options, pause_on_failure=True, headless=False)
    portal.control.faults(layout="table_missing")
    read = collect(session, USERS_ONLY)
    assert not read.collection("user_monitoring").complete
    assert len(pauses) == 1 and "/0/admin/user-monitoring" in pauses[0]


def test_complete_reads_and_headless_sessions_never_pause(
    portal: Any, session: PortalSession, pauses: list[str]
) -> None:
    """A complete read never pauses, and a headless session never pauses even when a read fails."""
    session.options = replace(session.options, pause_on_failure=True, headless=False)
    assert all(c.complete for c in collect(session, USERS_ONLY).collections)
    session.options = replace(session.options, pause_on_failure=True, headless=True)
    portal.control.faults(layout="table_missing")
    assert not collect(session, USERS_ONLY).collection("user_monitoring").complete
    assert pauses == []
