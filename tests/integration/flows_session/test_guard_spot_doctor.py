"""A write blocked by the read-only guard during a spot check or the doctor is reported: the
spot check is not conclusive, and the doctor fails the page that tried to write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.doctor import doctor
from flows.pages.dashboard import DashboardPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.spot_check import spot_check

pytestmark = pytest.mark.integration
ROGUE = "POST /0/admin/integrations/api/tokens/create"


def test_spot_check_with_a_blocked_write_is_not_conclusive(
    open_session: Any, creds: Any, tenant: dict[str, Any], tenant_portal: Any, tmp_path: Path
) -> None:
    """With rogue_write on, every result is conclusive=False and names the blocked post, though
    the search itself found the row; nothing reached the portal."""
    tenant_portal.control.faults(rogue_write=True)
    monitored = tenant["monitored_users"][0]["address"]
    with open_session(creds("password")) as s:
        results = spot_check(s, [monitored], tmp_path / "evidence")
    assert len(results) == 2
    assert all(not r.conclusive and ROGUE in r.message for r in results)
    hit = next(r for r in results if r.surface == "user_monitoring")
    assert hit.found and "found" in hit.message
    assert tenant_portal.control.writes() == []


def test_spot_check_without_a_blocked_write_stays_conclusive(
    open_session: Any, creds: Any, tmp_path: Path
) -> None:
    """The same search with the fault off is conclusive (the guard is not blamed by default)."""
    with open_session(creds("password")) as s:
        results = spot_check(s, ["nobody.here@acme.example"], tmp_path / "evidence")
    assert results and all(r.conclusive for r in results)


def test_doctor_fails_the_page_that_tried_to_write(
    open_session: Any, creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """A list page that posts on load fails with the post named; a page without the script passes."""
    tenant_portal.control.faults(rogue_write=True)
    with open_session(creds("password")) as s:
        checks = doctor(s, tmp_path / "evidence", pages=(DashboardPage, UserMonitoringPage))
    dashboard, monitoring = checks
    assert dashboard.ok, dashboard.message
    assert not monitoring.ok and ROGUE in monitoring.message
    assert monitoring.screenshot and Path(monitoring.screenshot).exists()
    assert tenant_portal.control.writes() == []
