"""Every fault switch of the fixture portal, over real HTTP (README.md lists them)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration
MAINTENANCE = "<h1>Tessian is down for scheduled maintenance</h1>"


def statuses(client: httpx.Client, path: str, count: int) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def test_latency(signed_in: httpx.Client, portal: Any) -> None:
    """latency_ms delays every request by at least that long."""
    portal.control.faults(latency_ms=300)
    started = time.perf_counter()
    assert signed_in.get("/0/data/groups").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_fail_nth_counts_from_the_switch(signed_in: httpx.Client, portal: Any) -> None:
    """fail_nth=3 within the data prefix fails exactly the third data request, with fail_status."""
    portal.control.faults(fail_nth=3, fail_status=502, fault_path_prefix="/0/data/")
    assert signed_in.get("/0/dashboard").status_code == 200  # outside the prefix: not counted
    assert statuses(signed_in, "/0/data/groups", 5) == [200, 200, 502, 200, 200]


def test_fail_share_is_seeded_and_repeatable(signed_in: httpx.Client, portal: Any) -> None:
    """fail_share fails about that share of requests, the same ones for the same seed."""
    portal.control.faults(fail_share=0.5, seed=7)
    first = statuses(signed_in, "/0/data/groups", 20)
    portal.control.faults(fail_share=0.5, seed=7)
    assert statuses(signed_in, "/0/data/groups", 20) == first
    assert 3 <= first.count(500) <= 17 and set(first) == {200, 500}


def test_rate_limit_next_with_retry_after(signed_in: httpx.Client, portal: Any) -> None:
    """rate_limit_next=2 answers two 429s carrying Retry-After, then serves again."""
    portal.control.faults(rate_limit_next=2, retry_after=7)
    answers = [signed_in.get("/0/data/groups") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "7"


def test_rate_limit_share(signed_in: httpx.Client, portal: Any) -> None:
    """rate_limit_share=1 answers every request in scope with 429."""
    portal.control.faults(rate_limit_share=1.0, fault_path_prefix="/api/")
    assert signed_in.get("/0/data/groups").status_code == 200
    assert signed_in.get("/api/v1/groups").status_code == 429


@pytest.mark.parametrize("path", ["/login", "/0/dashboard", "/0/data/groups", "/api/v1/groups"])
def test_maintenance_page(signed_in: httpx.Client, portal: Any, path: str) -> None:
    """maintenance answers 503 with a recognisable heading everywhere, control API excepted."""
    portal.control.faults(maintenance=True)
    response = signed_in.get(path)
    assert response.status_code == 503 and MAINTENANCE in response.text
    assert portal.control.state()["faults"]["maintenance"] is True


def test_layout_renamed_column(signed_in: httpx.Client, portal: Any) -> None:
    """layout=renamed_column renames one column header per table."""
    portal.control.faults(layout="renamed_column")
    html = signed_in.get("/0/admin/user-monitoring").text
    assert '<th scope="col">User email</th>' in html and ">Email address</th>" not in html


def test_layout_table_missing(signed_in: httpx.Client, portal: Any) -> None:
    """layout=table_missing renders the page without its table."""
    portal.control.faults(layout="table_missing")
    html = signed_in.get("/0/admin/portal-users").text
    assert "<h1>Portal Users</h1>" in html and "<table" not in html and 'role="grid"' not in html


def test_virtualised_renders_a_grid(signed_in: httpx.Client, portal: Any) -> None:
    """virtualised=true swaps the table for a role=grid with the same accessible name."""
    portal.control.faults(virtualised=True)
    html = signed_in.get("/0/admin/user-monitoring").text
    assert 'role="grid" aria-label="Monitored users"' in html and "<table" not in html


def test_drift_between_page_loads(signed_in: httpx.Client, portal: Any) -> None:
    """drift_add / drift_remove change the User Monitoring total after each load."""
    portal.control.load_tenant("one-page")
    portal.control.faults(drift_add=3)
    totals = [signed_in.get("/0/data/monitored-users").json()["total"] for _ in range(3)]
    assert totals == [250, 253, 256]
    portal.control.faults(drift_add=0, drift_remove=10)
    totals = [signed_in.get("/0/data/monitored-users").json()["total"] for _ in range(2)]
    assert totals == [259, 249]


def test_slow_spinner(signed_in: httpx.Client, portal: Any) -> None:
    """slow_spinner_ms holds the data answer (the page's progressbar stays up) but not the page."""
    portal.control.faults(slow_spinner_ms=400)
    started = time.perf_counter()
    signed_in.get("/0/data/groups")
    assert time.perf_counter() - started >= 0.4


def test_unknown_or_bad_switch_is_refused(portal: Any) -> None:
    """An unknown switch name or layout value answers 400 naming it."""
    unknown = portal.control.client.post("/faults", json={"latencyms": 5})
    assert unknown.status_code == 400 and "'latencyms'" in unknown.json()["error"]
    assert portal.control.client.post("/faults", json={"layout": "fancy"}).status_code == 400


def test_reset_restores_defaults(signed_in: httpx.Client, portal: Any) -> None:
    """reset clears switches, sessions, the request log and the writes."""
    portal.control.faults(maintenance=True, latency_ms=5)
    portal.control.load_tenant("empty")
    portal.control.reset()
    state = portal.control.state()
    assert state["faults"]["maintenance"] is False and state["faults"]["latency_ms"] == 0
    assert state["sessions"] == 0 and portal.control.requests() == [] and portal.control.writes() == []
    assert state["tenant"] != "empty"


def test_public_api_writes_are_recorded(portal: Any) -> None:
    """A destructive public-API call that reaches the server shows up in writes."""
    with httpx.Client(base_url=portal.url) as client:
        client.post("/api/v1/groups", json={"name": "x"}, headers={"Authorization": "API-Token nope"})
    assert [(w["method"], w["path"]) for w in portal.control.writes()] == [("POST", "/api/v1/groups")]


def test_sync_status_switch_overrides_the_directory_sync_page(signed_in: httpx.Client,
                                                             portal: Any) -> None:
    """sync_status shows the chosen status on Directory Sync; an unknown status is refused."""
    portal.control.load_tenant("demo")  # its sync is Failing
    portal.control.faults(sync_status="Paused")
    page = signed_in.get("/0/admin/integrations/directory-sync").text
    assert "Paused" in page and "Failing" not in page
    refused = portal.control.client.post("/faults", json={"sync_status": "Broken"})
    assert refused.status_code == 400 and "sync_status" in refused.text
