"""Spot check (found / absent, with masked evidence) and doctor (pass / layout changed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.doctor import doctor
from flows.pages.dashboard import DashboardPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.spot_check import spot_check
from tests.evidence import MAGENTA_SHARE_JS

pytestmark = pytest.mark.integration
PNG = b"\x89PNG"


def test_spot_check_found_and_absent(
    open_session: Any, creds: Any, tenant: dict[str, Any], tmp_path: Path
) -> None:
    """A monitored user is found on User Monitoring (row + screenshot) and absent from Portal
    Users; an unknown address is absent from both, proven by the search's empty state."""
    monitored = tenant["monitored_users"][0]["address"]
    portal_users = {u["email"] for u in tenant["portal_users"]}
    assert monitored not in portal_users
    evidence = tmp_path / "evidence"
    with open_session(creds("password")) as s:
        results = spot_check(s, [monitored.upper(), "nobody.here@acme.example"], evidence)
    by = {(r.email.casefold(), r.surface): r for r in results}
    hit = by[(monitored, "user_monitoring")]
    assert hit.found and hit.conclusive and hit.monitored_user is not None
    assert hit.monitored_user.address == monitored
    assert not by[(monitored, "portal_users")].found
    for surface in ("user_monitoring", "portal_users"):
        miss = by[("nobody.here@acme.example", surface)]
        assert (miss.found, miss.conclusive) == (False, True)
        assert "No results" in miss.message
    for r in results:
        assert len(r.evidence) == 1 and Path(r.evidence[0]).read_bytes().startswith(PNG)


def test_spot_check_finds_a_portal_user(
    open_session: Any, creds: Any, tenant: dict[str, Any], tmp_path: Path
) -> None:
    """A portal account is found on Portal Users with its role and status."""
    wanted = tenant["portal_users"][0]
    with open_session(creds("password")) as s:
        results = spot_check(s, [wanted["email"]], tmp_path / "evidence")
    found = next(r for r in results if r.surface == "portal_users")
    assert found.found and found.portal_user is not None
    assert (found.portal_user.role, found.portal_user.status) == (wanted["role"], wanted["status"])




def test_spot_check_masks_other_rows(open_session: Any, creds: Any, tmp_path: Path) -> None:
    """Rows other than the checked address are masked in the evidence (Playwright's mask colour),
    and a search showing only other addresses is a conclusive absence."""
    import base64

    with open_session(creds("password")) as s:
        partial, exact = spot_check(
            s, ["erin.baker.1", "erin.baker.1@acme.example"], tmp_path / "ev"
        )[::2]
        share = [
            s.page.evaluate(
                MAGENTA_SHARE_JS, base64.b64encode(Path(r.evidence[0]).read_bytes()).decode()
            )
            for r in (partial, exact)
        ]
    assert (partial.found, partial.conclusive) == (
        False,
        True,
    ) and "other result" in partial.message
    assert exact.found
    assert share[0] > 0.05 and share[1] == 0  # masked rows vs the one row shown in full


def test_spot_check_inconclusive_when_the_search_cannot_load(
    open_session: Any, creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """A search that never shows its results (maintenance page) is inconclusive, never absent."""
    with open_session(creds("password")) as s:
        tenant_portal.control.faults(maintenance=True)
        results = spot_check(s, ["nobody.here@acme.example"], tmp_path / "evidence")
    assert all(not r.conclusive and not r.found for r in results)


def test_doctor_passes_on_the_modelled_portal(
    open_session: Any, creds: Any, tmp_path: Path
) -> None:
    """Every page matches its fingerprint on the default layout; no evidence is needed."""
    with open_session(creds("password")) as s:
        checks = doctor(s, tmp_path / "evidence")
    assert len(checks) == 7
    assert [c.page for c in checks if not c.ok] == []


def test_doctor_names_the_changed_column(
    open_session: Any, creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """A renamed column fails the changed pages with the column's override key, a screenshot
    and the ARIA snapshot; the dashboard (no table) still passes."""
    tenant_portal.control.faults(layout="renamed_column")
    with open_session(creds("password")) as s:
        checks = doctor(s, tmp_path / "evidence")
    failed = [c for c in checks if not c.ok]
    assert failed and [c.page for c in checks if c.ok][:1] == ["dashboard"]
    for c in failed:
        assert c.failed_locator and c.failed_locator.startswith(f"{c.page}.column.")
        assert c.screenshot and Path(c.screenshot).read_bytes().startswith(PNG)
        assert c.aria_snapshot and "heading" in Path(c.aria_snapshot).read_text()


def test_doctor_names_a_missing_table(
    open_session: Any, creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """A page whose table is gone fails with `<page>.table`; doctor checks only the pages it
    is given."""
    tenant_portal.control.faults(layout="table_missing")
    with open_session(creds("password")) as s:
        checks = doctor(s, tmp_path / "evidence", pages=[DashboardPage, UserMonitoringPage])
    assert [(c.page, c.ok, c.failed_locator) for c in checks] == [
        ("dashboard", True, None),
        ("user_monitoring", False, "user_monitoring.table"),
    ]
