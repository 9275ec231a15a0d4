"""The public API reader while users churn (one synced in, one removed per API page): its
checkpoint is a cursor (users page by id), so every user present throughout is returned, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flows.api_reader import ApiOptions, ApiReader, read_monitored_users
from tests.integration.flows_read.reading import addresses, tenant

pytestmark = pytest.mark.integration
TOKEN = "synthetic-api-token-0123456789"  # the scenario tenants' token (FORMAT.md)


@pytest.fixture
def reader(portal: Any) -> Iterator[ApiReader]:
    """An API reader on the 251-user tenant with 50-row pages (six calls)."""
    portal.control.load_tenant("one-page-plus-one")
    api = ApiReader(portal.url, TOKEN, options=ApiOptions(limit=50), sleep=lambda s: None)
    yield api
    api.close()


@pytest.mark.parametrize(("remove", "seed"), [("before", 0), ("after", 0), ("random", 1),
                                              ("random", 2), ("random", 3)])
def test_api_read_under_churn_misses_no_user_present_throughout(
        portal: Any, reader: ApiReader, remove: str, seed: int) -> None:
    """churn on the API pages (removals before or after the checkpoint): complete, each user
    once, and every user that churn spared is among them."""
    portal.control.faults(churn=1, churn_remove=remove, seed=seed)
    users, collection = read_monitored_users(reader)
    log = portal.control.client.get("/churn").json()["monitored-users"]
    assert len(log["removed"]) >= 5  # the list really moved under the reader
    spared = addresses(tenant("one-page-plus-one")) - {a.casefold() for a in log["removed"]}
    read = [u.address.casefold() for u in users]
    assert collection.complete and len(read) == len(set(read))
    assert spared <= set(read)
