"""`/api/v1/monitoring/users` over real HTTP: shape, checkpoint pagination, limits, bad params, and
the short / empty / trailing-empty pages a reader must survive. Every response is validated
against the reference spec by the `api` client."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.portal.tenant import load_tenant

pytestmark = pytest.mark.integration
USERS = "/api/v1/monitoring/users"


def _ids(pages: list[dict[str, Any]]) -> list[int]:
    return [user["id"] for page in pages for user in page["results"]]


def _demo_ids() -> list[int]:
    return sorted(u["id"] for u in load_tenant("demo").monitored_users)


def test_first_page_holds_limit_users_in_id_order_with_spec_fields(api: Any) -> None:
    """A first page of 5 returns 5 users in id order, every spec field, and says more remain."""
    body = api.get(USERS, limit=5).json()
    assert set(body) == {"checkpoint", "additional_results", "results"}
    assert body["additional_results"] is True and isinstance(body["checkpoint"], str)
    assert [u["id"] for u in body["results"]] == _demo_ids()[:5]
    first = body["results"][0]
    assert first["sync_state"] == "Live" and first["status"] == "Good connection"
    assert first["last_connection"].endswith("Z") and first["api_ping"] is None
    assert api.seen == 1


def test_pages_cover_every_user_exactly_once(api: Any) -> None:
    """Following checkpoints with limit 37 yields each of the 200 demo users exactly once."""
    pages = api.pages(USERS, limit=37)
    assert _ids(pages) == _demo_ids()
    assert len(pages) == 6 and pages[-1]["additional_results"] is False
    assert all(p["additional_results"] for p in pages[:-1])


def test_default_limit_is_one_page_of_up_to_1000(api: Any) -> None:
    """Without `limit` the 200 demo users come back in one page with additional_results false."""
    body = api.get(USERS).json()
    assert len(body["results"]) == 200 and body["additional_results"] is False


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_limit_bounds_are_accepted(api: Any, limit: str) -> None:
    """`limit` 1 and 1000 are the spec's bounds and are accepted."""
    body = api.get(USERS, limit=limit).json()
    assert len(body["results"]) == min(int(limit), 200)


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5", ""])
def test_limit_out_of_range_or_malformed_is_400(api: Any, limit: str) -> None:
    """A `limit` outside 1..1000 or not an integer is a 400, not a silently clamped page."""
    response = api.get(USERS, limit=limit)
    assert response.status_code == 400, response.text


def test_checkpoint_of_another_endpoint_or_tampered_is_400(api: Any) -> None:
    """A checkpoint is opaque and bound to its listing: garbage, a tampered one or one from
    /api/v1/audits answers 400."""
    audits_cp = api.get("/api/v1/audits", limit=1).json()["checkpoint"]
    users_cp = api.get(USERS, limit=1).json()["checkpoint"]
    tampered = users_cp[:-2] + ("AA" if not users_cp.endswith("AA") else "BB")
    for bad in ("garbage", audits_cp, tampered):
        assert api.get(USERS, after_checkpoint=bad).status_code == 400


def test_short_pages_still_cover_everything(portal: Any, api: Any) -> None:
    """With `api_short_pages` = 7, pages hold at most 7 rows whatever the limit, yet following
    additional_results still yields every user once."""
    portal.control.faults(api_short_pages=7)
    pages = api.pages(USERS, limit=100)
    assert max(len(p["results"]) for p in pages) == 7
    assert _ids(pages) == _demo_ids()


def test_empty_pages_while_more_remain(portal: Any, api: Any) -> None:
    """Empty pages with additional_results true (here the first and the third) do not end the
    listing: a reader that stops at an empty page would lose every user."""
    portal.control.faults(api_empty_pages=[0, 2])
    pages = api.pages(USERS, limit=80)
    assert pages[0]["results"] == [] and pages[0]["additional_results"] is True
    assert pages[2]["results"] == [] and pages[2]["additional_results"] is True
    assert _ids(pages) == _demo_ids()


def test_trailing_empty_page(portal: Any, api: Any) -> None:
    """The last full page may still say additional_results true; the next is empty and false."""
    portal.control.faults(api_trailing_empty=True)
    pages = api.pages(USERS, limit=100)
    assert [len(p["results"]) for p in pages] == [100, 100, 0]
    assert pages[1]["additional_results"] is True and pages[2]["additional_results"] is False
