"""read_okta against the fake Okta org over real HTTP: identities, paging, throttling, auth."""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from connector.idp.okta import OktaOptions, read_okta
from connector.models import Identity, IdentitySource

pytestmark = pytest.mark.integration

PROTECTED, PORTAL = "0oa1tessianprot0001", "0oa1tessianport0001"
PROTECTED_GROUP, PORTAL_GROUP = "00gadb046e597b081997", "00ga223119c01cc5571a"


def options(url: str, **changes: Any) -> OktaOptions:
    """Demo options (SSWS token, both apps) with overrides."""
    base = OktaOptions(
        org_url=url,
        app_id=PROTECTED,
        portal_app_id=PORTAL,
        api_token="okta-fake-token",
        max_retry_wait_s=5,
    )
    return dataclasses.replace(base, **changes)


def by_email(source: IdentitySource) -> dict[str, Identity]:
    return {i.email: i for i in source.identities}


def api_requests(fake: Any, fragment: str) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if fragment in r["path"]]


def test_demo_reads_every_person_with_assignment_scope_and_status(okta: Any) -> None:
    """All 208 demo people; group-only, direct, suspended and deactivated are told apart."""
    source = read_okta(options(okta.url))
    people = by_email(source)
    assert source.complete and not source.errors and len(people) == 208
    group_only = people["olivia.dixon@acme.example"]
    assert (group_only.active, group_only.protected, group_only.details["protected_scope"]) == (
        True,
        True,
        "GROUP",
    )
    direct = people["vera.costa@acme.example"]
    assert (direct.protected, direct.details["protected_scope"]) == (True, "USER")
    suspended = people["tom.becker@acme.example"]  # suspended users keep their assignments
    assert (suspended.active, suspended.protected, suspended.details["okta_status"]) == (
        False,
        True,
        "SUSPENDED",
    )
    leaver = people["gareth.hughes@acme.example"]  # deactivated: removed from every app
    assert (leaver.active, leaver.protected, leaver.details["learned_from"]) == (
        False,
        False,
        "system_log",
    )
    assert people["rachel.owens@acme.example"].details["learned_from"] == "directory_scan"
    unassigned = people["sam.lee@acme.example"]
    assert (unassigned.active, unassigned.protected, unassigned.portal_access) == (
        True,
        False,
        False,
    )


def test_aliases_portal_access_and_provisioning_error(okta: Any) -> None:
    """Secondary emails are aliases, portal assignments portal_access, syncState ERROR an error."""
    people = by_email(read_okta(options(okta.url)))
    assert people["robert.smith@acme.example"].aliases == ("bob.smith@acme.example",)
    assert people["sam.leigh@acme.example"].aliases == ("sam@acme.example",)
    assert people["api.service@acme.example"].portal_access is True
    assert people["api.service@acme.example"].protected is False
    assert (
        people["priya.natarajan@acme.example"].provisioning_error
        == "Push to Tessian failed: mailbox not licensed"
    )
    assert sum(1 for i in people.values() if i.provisioning_error) == 1


def test_change_times_come_from_the_system_log_window(okta: Any) -> None:
    """changed_at is the event time; the log query is bounded (since and until) and filtered."""
    people = by_email(read_okta(options(okta.url)))
    now = datetime.now(UTC)
    assert abs(
        people["tom.becker@acme.example"].changed_at - (now - timedelta(hours=3))
    ) < timedelta(minutes=2)
    assert abs(
        people["gareth.hughes@acme.example"].changed_at - (now - timedelta(days=5))
    ) < timedelta(minutes=2)
    logs = api_requests(okta, "/api/v1/logs")
    assert logs and all(
        "since=" in r["query"] and "until=" in r["query"] and "filter=" in r["query"] for r in logs
    )


def test_group_configured_sets(okta: Any) -> None:
    """With groups instead of apps, members are expected; deactivated members are leavers."""
    source = read_okta(
        options(
            okta.url,
            app_id=None,
            portal_app_id=None,
            group_id=PROTECTED_GROUP,
            portal_group_id=PORTAL_GROUP,
        )
    )
    people = by_email(source)
    assert source.complete
    assert sum(1 for i in people.values() if i.protected) == 179
    assert (
        people["gareth.hughes@acme.example"].protected,
        people["gareth.hughes@acme.example"].active,
    ) == (True, False)
    assert people["mark.jensen@acme.example"].portal_access is True
    assert not people[
        "vera.costa@acme.example"
    ].protected  # directly assigned to the app, not in the group
    assert api_requests(okta, "/api/v1/groups/") and not api_requests(okta, "/api/v1/apps/")


def test_pagination_follows_next_links_verbatim_across_many_pages(
    okta: Any, big_tenant: Any
) -> None:
    """1,200 people at 100 a page: every page read once, through the opaque `after` cursor."""
    okta.load_tenant(big_tenant(1200))
    okta.faults(page_size=100)
    source = read_okta(
        options(okta.url, app_id="0oabigprotected0001", portal_app_id="0oabigportal000001")
    )
    assert source.complete and len(source.identities) == 1200
    app_pages = api_requests(okta, "/apps/0oabigprotected0001/users")
    assigned = sum(1 for i in source.identities if i.protected)
    assert len(app_pages) == math.ceil(assigned / 100)
    assert all("expand=user" in r["query"] and "limit=500" in r["query"] for r in app_pages)
    assert all(r["status"] == 200 for r in okta.requests())


def test_empty_pages_with_next_links_are_followed(okta: Any) -> None:
    """An empty page that still carries a next link does not end the read."""
    okta.faults(empty_pages=True, page_size=100)
    source = read_okta(options(okta.url))
    assert source.complete and len(source.identities) == 208


def test_fake_rejects_a_rebuilt_cursor(okta: Any) -> None:
    """The fake refuses a cursor used with other parameters, so verbatim following is enforced."""
    import httpx

    headers = {"Authorization": "SSWS okta-fake-token"}
    first = httpx.get(
        f"{okta.url}/api/v1/apps/{PROTECTED}/users?limit=5&expand=user", headers=headers
    )
    rebuilt = str(first.links["next"]["url"]).replace("expand=user&", "")
    assert httpx.get(rebuilt, headers=headers).status_code == 400
    assert httpx.get(first.links["next"]["url"], headers=headers).status_code == 200


def test_rate_limit_is_waited_out_and_retried(okta: Any) -> None:
    """Two 429 E0000047 answers are waited out (until X-Rate-Limit-Reset) and the read completes."""
    okta.faults(rate_limit=2, rate_limit_wait=1)
    source = read_okta(options(okta.url))
    assert source.complete
    assert [r["status"] for r in okta.requests()][:3] == [429, 429, 200]


def test_reset_is_measured_against_the_response_date_not_our_clock(okta: Any) -> None:
    """A server clock an hour ahead still means a 1 s wait (a local-clock client: an hour)."""
    okta.faults(rate_limit=1, rate_limit_wait=1, clock_skew=3600)
    source = read_okta(options(okta.url, max_retry_wait_s=5))
    assert source.complete


def test_empty_budget_pauses_before_the_next_request(okta: Any) -> None:
    """X-Rate-Limit-Remaining 0 on a success makes the reader wait for the reset before going on."""
    okta.faults(budget_exhausted=1, rate_limit_wait=1)
    started = time.monotonic()
    assert read_okta(options(okta.url)).complete
    assert time.monotonic() - started >= 0.5


def test_persistent_rate_limit_gives_an_incomplete_source(okta: Any) -> None:
    """Still throttled after the last attempt: complete=False, the error names E0000047."""
    okta.faults(rate_limit=100, rate_limit_wait=1)
    source = read_okta(options(okta.url, retry_attempts=3))
    assert not source.complete
    assert "ProviderRateLimited" in source.errors[0] and "E0000047" in source.errors[0]


def test_transient_server_errors_are_retried(okta: Any) -> None:
    """Two 500s then success: complete."""
    okta.faults(server_error=2)
    assert read_okta(options(okta.url)).complete


def test_a_failing_system_log_leaves_a_partial_incomplete_source(okta: Any) -> None:
    """Assignments read, System Log failing: identities kept but complete=False with the error."""
    okta.faults(fail_path="/api/v1/logs")
    source = read_okta(options(okta.url, retry_attempts=2))
    assert not source.complete and "E0000009" in source.errors[0]
    assert len(source.identities) == 199  # the assigned people; leavers and the scan were not read


@pytest.mark.parametrize("fault", [{"expire_token": True}, {}])
def test_rejected_token_is_a_provider_auth_error(okta: Any, fault: dict[str, Any]) -> None:
    """An expired or wrong SSWS token: complete=False, ProviderAuthError E0000011, no hammering."""
    okta.faults(**fault)
    token = "okta-fake-token" if fault else "wrong-token"
    source = read_okta(options(okta.url, api_token=token))
    assert not source.complete and not source.identities
    assert "ProviderAuthError" in source.errors[0] and "E0000011" in source.errors[0]
    assert "wrong-token" not in source.errors[0]
    assert len(okta.requests()) == 2  # one retry after a 401, then stop


def test_unknown_app_is_reported(okta: Any) -> None:
    """A misconfigured app id: 404 E0000007, incomplete."""
    source = read_okta(options(okta.url, app_id="0oanosuchapp0000001"))
    assert not source.complete and "E0000007" in source.errors[0]


@functools.cache
def _key_pair(kind: str) -> tuple[str, str]:
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_oauth_service_app_with_private_key_jwt(okta: Any, kind: str) -> None:
    """Client credentials + private_key_jwt (RS256 or ES256): a Bearer token that reads all."""
    private, public = _key_pair(kind)
    okta.register_client(client_id="0oaservice", public_key_pem=public)
    source = read_okta(
        options(okta.url, api_token=None, client_id="0oaservice", private_key_pem=private)
    )
    assert source.complete and len(source.identities) == 208
    auths = {r["auth"] for r in okta.requests() if r["path"].startswith("/api/")}
    assert auths == {"Bearer"}


def test_expired_oauth_token_is_replaced_once(okta: Any) -> None:
    """A token that expires mid-read is replaced with a new one and the read completes."""
    private, public = _key_pair("rsa")
    okta.register_client(client_id="0oaservice", public_key_pem=public)
    okta.faults(expire_issued_tokens=True)
    source = read_okta(
        options(okta.url, api_token=None, client_id="0oaservice", private_key_pem=private)
    )
    assert source.complete
    assert len(api_requests(okta, "/oauth2/v1/token")) == 2


@pytest.mark.parametrize(
    ("client", "needle"),
    [
        ({"scopes": ["okta.users.read", "okta.apps.read"]}, "invalid_scope"),
        ({"require_dpop": True}, "DPoP"),
        ({"public_key_pem": None}, "invalid_client"),
    ],
)
def test_oauth_refusals_are_auth_errors(okta: Any, client: dict[str, Any], needle: str) -> None:
    """A scope not granted, DPoP required, or an unknown key: ProviderAuthError, no data."""
    private, public = _key_pair("rsa")
    registered = {"client_id": "0oaservice", "public_key_pem": public, **client}
    if registered["public_key_pem"] is None:
        registered["public_key_pem"] = _key_pair("ec")[1]  # some other key
    okta.register_client(**registered)
    source = read_okta(
        options(okta.url, api_token=None, client_id="0oaservice", private_key_pem=private)
    )
    assert (
        not source.complete
        and "ProviderAuthError" in source.errors[0]
        and needle in source.errors[0]
    )


def test_system_log_can_be_turned_off(okta: Any) -> None:
    """logs_since_days=0: no System Log call (no okta.logs.read); statusChanged is the fallback."""
    source = read_okta(options(okta.url, logs_since_days=0))
    assert source.complete and len(source.identities) == 208
    assert not api_requests(okta, "/api/v1/logs")
    assert all(i.changed_at is not None for i in source.identities)
