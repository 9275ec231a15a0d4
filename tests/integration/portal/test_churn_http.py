"""The churn fault switch over real HTTP: the total stays, the page boundaries move, as told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration
USERS = "/0/data/monitored-users"


def _page(client: httpx.Client, offset: int, limit: int = 100, path: str = USERS) -> dict[str, Any]:
    response = client.get(path, params={"offset": offset, "limit": limit})
    response.raise_for_status()
    return response.json()


def _addresses(body: dict[str, Any]) -> list[str]:
    return [row["cells"][0]["text"] for row in body["rows"]]


def _log(portal: Any) -> dict[str, Any]:
    return portal.control.client.get("/churn").json()


def test_remove_before_join_after_shifts_rows_back(signed_in: httpx.Client, portal: Any) -> None:
    """churn, removal before + joiner after: same total, the next page starts one row later."""
    portal.control.load_tenant("one-page-plus-one")
    before = _addresses(_page(signed_in, 0, 251))
    portal.control.faults(churn=1, churn_join="after", churn_remove="before")
    first = _page(signed_in, 0)
    second = _page(signed_in, 100)
    assert first["total"] == second["total"] == 251
    log = _log(portal)["monitored-users"]
    assert len(log["removed"]) == len(log["joined"]) == 2
    assert log["removed"][0] in _addresses(first)  # removed from the rows already served
    assert _addresses(second)[0] == before[101]  # before[100] moved onto page 1: skipped


def test_join_before_remove_after_shifts_rows_forward(signed_in: httpx.Client, portal: Any) -> None:
    """churn, joiner before + removal after: the last row of a page is served again next page."""
    portal.control.load_tenant("one-page-plus-one")
    portal.control.faults(churn=1, churn_join="before", churn_remove="after")
    first = _page(signed_in, 0)
    second = _page(signed_in, 100)
    assert first["total"] == second["total"] == 251
    assert _addresses(second)[0] == _addresses(first)[-1]
    joined = _log(portal)["monitored-users"]["joined"][0]
    assert joined.endswith("@acme.example") and "_churn1" in joined


def test_portal_users_churn_and_spare_token_creators(signed_in: httpx.Client, portal: Any) -> None:
    """churn also moves Portal Users rows; the API token's creator is never removed."""
    portal.control.faults(churn=3, churn_join="random", churn_remove="random", seed=4)
    total = _page(signed_in, 0, path="/0/data/portal-users")["total"]
    assert _page(signed_in, 0, path="/0/data/portal-users")["total"] == total
    log = _log(portal)["portal-users"]
    assert len(log["removed"]) == len(log["joined"]) == 6
    creators = {"mark.jensen@acme.example", "paul.brennan@acme.example"}  # demo's token creators
    assert not creators & set(log["removed"])


def test_churn_is_off_by_default_and_reset(signed_in: httpx.Client, portal: Any) -> None:
    """Without the switch nothing moves; a reset empties the churn log."""
    portal.control.faults(churn=1)
    _page(signed_in, 0)
    portal.control.reset()
    assert _log(portal) == {}
    assert portal.control.state()["faults"]["churn"] == 0
