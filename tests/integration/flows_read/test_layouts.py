"""Layout variants: a renamed column or a missing table stop the read with ui_changed (with
evidence); a virtualised grid is scrolled until every row was read; overrides re-point locators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.errors import UiChanged
from connector.models import CollectionErrorKind as K
from flows.pages.portal_users import PortalUsersPage
from flows.pages.user_monitoring import UserMonitoringPage
from flows.session import PortalSession
from tests.integration.flows_read.conftest import MakeSession
from tests.integration.flows_read.reading import (
    addresses,
    assert_complete,
    assert_incomplete_because,
    read_users,
    tenant,
)

pytestmark = pytest.mark.integration


def test_renamed_column_is_ui_changed_with_evidence(portal: Any, make_session: MakeSession) -> None:
    """layout=renamed_column: the read stops with ui_changed naming the column's override key,
    and leaves a screenshot and an ARIA snapshot as evidence."""
    session = make_session(evidence=True)
    portal.control.faults(layout="renamed_column")
    users, collection = read_users(session)
    assert_incomplete_because(collection, K.UI_CHANGED)
    assert users == [] and collection.read_count == 0
    error = next(e for e in collection.errors if e.kind == K.UI_CHANGED)
    assert "user_monitoring.column.address" in error.message or "Email address" in error.message
    assert session.evidence_dir is not None
    assert all((session.evidence_dir.parent / p).is_file() for p in error.evidence) and error.evidence


def test_renamed_column_fails_the_fingerprint_with_its_locator(portal: Any,
                                                               session: PortalSession) -> None:
    """check_fingerprint raises UiChanged carrying the failed locator's override key."""
    portal.control.faults(layout="renamed_column")
    page = UserMonitoringPage(session)
    page.open()
    with pytest.raises(UiChanged) as caught:
        page.check_fingerprint()
    assert caught.value.locator == "user_monitoring.column.address"


def test_a_column_override_re_points_the_reader(portal: Any, make_session: MakeSession) -> None:
    """With `user_monitoring.column.address` = the new header text, the renamed layout reads fully."""
    session = make_session({"user_monitoring.column.address": "User email"})
    portal.control.load_tenant("one-page-plus-one")
    portal.control.faults(layout="renamed_column")
    assert_complete(read_users(session)[1], 251)


def test_missing_table_is_ui_changed(portal: Any, session: PortalSession) -> None:
    """layout=table_missing: no table named "Monitored users" -> ui_changed on the table locator."""
    portal.control.faults(layout="table_missing")
    _, collection = read_users(session)
    assert_incomplete_because(collection, K.UI_CHANGED)
    assert any("user_monitoring.table" in e.message or "Monitored users" in e.message
               for e in collection.errors)
    page = PortalUsersPage(session)
    page.open()
    with pytest.raises(UiChanged) as caught:
        page.check_fingerprint()
    assert caught.value.locator == "portal_users.table"


def test_table_override_accepts_a_selector_string(portal: Any, make_session: MakeSession) -> None:
    """An override value is any Playwright selector: `role=table[name="…"]` works like the default."""
    session = make_session({"user_monitoring.table": 'role=table[name="Monitored users"]'})
    portal.control.load_tenant("one-user")
    assert_complete(read_users(session)[1], 1)


def test_virtualised_grid_is_scrolled_until_every_row_is_read(portal: Any,
                                                              session: PortalSession) -> None:
    """virtualised: only visible rows exist in the DOM; scrolling reads all 250 + 1, none twice."""
    portal.control.load_tenant("one-page-plus-one")
    portal.control.faults(virtualised=True)
    users, collection = read_users(session)
    assert_complete(collection, 251)
    assert {u.address.casefold() for u in users} == addresses(tenant("one-page-plus-one"))
    status = UserMonitoringPage(session).load_page(1, 250)  # the grid really is virtualised:
    assert status.rows_on_page == 250  # 250 rows promised, far fewer in the DOM at once
    assert session.page.get_by_role("row").count() < 100


def test_layout_change_evidence_stays_inside_the_evidence_folder(tmp_path: Path) -> None:
    """capture() names files by a sanitised stem inside the folder (no path tricks)."""
    from flows.pages.readers import capture

    class _NoPage:
        class page:  # noqa: N801  # the attribute name capture() uses
            @staticmethod
            def screenshot(**options: Any) -> bytes:
                return b"png"

            @staticmethod
            def locator(selector: str) -> Any:
                return type("L", (), {"aria_snapshot": staticmethod(lambda: "- main")})()

            get_by_role = get_by_text = locator  # mask locators: never resolved by this fake

    paths = capture(_NoPage(), tmp_path / "evidence", "ui-changed/../x y")  # type: ignore[arg-type]
    assert paths == ("evidence/ui-changed-x-y.png", "evidence/ui-changed-x-y.aria.yml")


def test_override_keys_cover_every_page_and_column() -> None:
    """The override catalogue names each page's table and every column, with its default."""
    from flows.pages.catalog import override_keys

    keys = override_keys()
    assert keys["user_monitoring.table"] == 'role=table|grid[name="Monitored users"]'
    assert keys["user_monitoring.column.address"] == 'header "Email address"'
    assert keys["audit_trail.from"] == 'label="From"'
    for prefix in ("dashboard.", "user_detail.", "portal_users.", "groups.", "group_detail.",
                   "audit_trail.", "directory_sync.", "api_tokens."):
        assert any(k.startswith(prefix) for k in keys), prefix
