"""Authentication, rate limiting and server errors of the public API, over real HTTP; each answer
is validated against the reference spec (which lists 400/401/403/429/500/503/504)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration
USERS = "/api/v1/monitoring/users"
ENDPOINTS = [USERS, "/api/v1/audits", "/api/v1/groups", "/api/v1/groups/1"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_missing_authorization_is_401(api: Any, path: str) -> None:
    """Every read endpoint answers 401 without an Authorization header, and reveals no data."""
    response = api.get(path, token=None)
    assert response.status_code == 401
    assert "acme.example" not in response.text


@pytest.mark.parametrize("header", ["Bearer demo-api-token-0123456789", "API-Token",
                                    "demo-api-token-0123456789", "Basic ZGVtbzpkZW1v"])
def test_malformed_authorization_is_401(api: Any, header: str) -> None:
    """Only `API-Token <token>` is accepted; other schemes or a bare token answer 401."""
    assert api.get(USERS, headers={"Authorization": header}).status_code == 401


def test_unknown_token_is_403(api: Any) -> None:
    """A well-formed header with a token the tenant never issued answers 403 (spec: invalid token)."""
    assert api.get(USERS, token="demo-api-token-0123456780").status_code == 403


def test_token_of_a_deactivated_creator_is_revoked(api: Any) -> None:
    """A token whose creator's portal account is deactivated no longer works (spec prose)."""
    assert api.get(USERS, token="demo-api-token-revoked-0000000000").status_code == 403


def test_valid_token_reads(api: Any) -> None:
    """The demo token reads the demo tenant."""
    assert api.get(USERS, limit=1).status_code == 200


def test_429_carries_retry_after_then_recovers(portal: Any, api: Any) -> None:
    """Rate limiting answers 429 with a Retry-After in seconds; the same call then succeeds."""
    portal.control.faults(rate_limit_next=2, retry_after=3, fault_path_prefix="/api/")
    limited = [api.get(USERS, limit=10) for _ in range(2)]
    assert [r.status_code for r in limited] == [429, 429]
    assert limited[0].headers["Retry-After"] == "3"
    assert api.get(USERS, limit=10).status_code == 200


def test_429_mid_pagination_keeps_the_checkpoint_valid(portal: Any, api: Any) -> None:
    """A 429 between two pages loses nothing: retrying with the same checkpoint continues."""
    first = api.get(USERS, limit=120).json()
    portal.control.faults(rate_limit_next=1, fault_path_prefix="/api/")
    assert api.get(USERS, after_checkpoint=first["checkpoint"]).status_code == 429
    rest = api.get(USERS, after_checkpoint=first["checkpoint"]).json()
    assert len(first["results"]) + len(rest["results"]) == 200 and not rest["additional_results"]


@pytest.mark.parametrize("status", [500, 503, 504])
def test_server_error_on_nth_request(portal: Any, api: Any, status: int) -> None:
    """`fail_nth` makes exactly the Nth API request fail with the chosen 5xx; others succeed."""
    portal.control.faults(fail_nth=2, fail_status=status, fault_path_prefix="/api/")
    codes = [api.get(USERS, limit=5).status_code for _ in range(3)]
    assert codes == [200, status, 200]


def test_spec_validator_rejects_a_malformed_body(api: Any) -> None:
    """The validator is not vacuous: an extra top-level key or a bad enum value fails it."""
    good = api.get(USERS, limit=1)
    for body in (b'{"checkpoint":"x","additional_results":false,"results":[],"extra":1}',
                 b'{"checkpoint":"x","additional_results":false,"results":'
                 b'[{"id":1,"address":"a@b.c","sync_state":"Dead","status":"Good connection"}]}'):
        forged = httpx.Response(200, content=body, request=good.request,
                                headers={"content-type": "application/json"})
        with pytest.raises(Exception, match="not valid"):
            api.validator.validate(forged)


def test_tokens_follow_the_loaded_tenant(portal: Any, api: Any) -> None:
    """After loading another tenant, its own token reads its users and the demo token is refused."""
    portal.control.load_tenant("one-page")
    assert api.get(USERS, limit=1).status_code == 403
    body = api.get(USERS, token="synthetic-api-token-0123456789").json()
    assert len(body["results"]) == 250 and body["additional_results"] is False
