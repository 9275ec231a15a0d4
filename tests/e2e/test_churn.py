"""`verify` while rows move (the churn fault): inconclusive with the reason named, and never a
leaver who stayed in the portal throughout reported in_sync."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _leavers_present_throughout(portal: Any, h: Any) -> set[str]:
    """The demo's not_removed leavers (in User Monitoring, gone per the provider) churn spared."""
    data = json.loads((h.root / "fixtures" / "tenants" / "demo.json").read_text())
    leavers = {f["subject"].casefold() for f in data["expected_findings"]
               if f["outcome"] == "not_removed"}
    removed = portal.control.client.get("/churn").json().get("monitored-users", {}).get("removed", [])
    return leavers - {a.casefold() for a in removed}


# (removal side, joiner side, rows per load, seed); the first skips the leaver
# gareth.hughes@acme.example with offset paging (the false "in_sync" this file pins)
PLACEMENTS = [("before", "after", 2, 0), ("random", "random", 1, 5)]


@pytest.mark.parametrize(("remove", "join", "count", "seed"), PLACEMENTS)
def test_verify_under_churn_is_inconclusive_rows_moved(
        cli: Any, demo_args: Any, portal: Any, h: Any, monkeypatch: pytest.MonkeyPatch,
        remove: str, join: str, count: int, seed: int) -> None:
    """User Monitoring read in pages of 25 while users join and leave on every page load: exit
    3, reason rows_moved in report.json, and no leaver still in the portal reported in_sync."""
    monkeypatch.setenv("TESSIAN_PAGE_SIZE", "25")
    portal.control.faults(churn=count, churn_remove=remove, churn_join=join, seed=seed)
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    report = result.report()
    in_sync = {f["subject"].casefold() for f in report["findings"] if f["outcome"] == "in_sync"}
    assert not in_sync & _leavers_present_throughout(portal, h)
    assert result.code == 3, result.err[-1500:]
    assert "rows_moved" in {r["reason"] for r in report["reasons"]}
