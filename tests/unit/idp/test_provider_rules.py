"""The expected-state rules of idp-notes.md, pinned with hand-written provider answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from connector.errors import ConfigError
from connector.idp.entra import EntraOptions, read_entra
from connector.idp.okta import OktaOptions, read_okta

ORG = "https://acme.okta.example"


def okta_user(uid: str, status: str, email: str, **profile: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "status": status,
        "statusChanged": "2026-01-01T00:00:00.000Z",
        "profile": {"email": email, "login": email, **profile},
    }


def app_user(
    user: dict[str, Any],
    status: str,
    *,
    scope: str = "USER",
    sync: str = "SYNCHRONIZED",
    email: str | None = None,
) -> dict[str, Any]:
    return {
        "id": user["id"],
        "status": status,
        "scope": scope,
        "syncState": sync,
        "statusChanged": "2026-02-01T00:00:00.000Z",
        "credentials": {"userName": email or user["profile"]["email"]},
        "profile": {"email": email} if email else {},
        "_links": {"app": {"href": f"{ORG}/api/v1/apps/0oaP"}},
        "_embedded": {"user": user},
    }


def okta_transport(
    rows: list[dict[str, Any]],
    events: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
) -> httpx.MockTransport:
    """A tiny Okta org: one app (0oaP), a System Log, and the users list."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/apps/0oaP/users":
            return httpx.Response(200, json=rows)
        if path == "/api/v1/logs":
            return httpx.Response(200, json=events or [])
        if path == "/api/v1/users":
            return httpx.Response(200, json=users or [])
        by_id = {u["id"]: u for u in users or []}
        if path.startswith("/api/v1/users/") and path.rsplit("/", 1)[1] in by_id:
            return httpx.Response(200, json=by_id[path.rsplit("/", 1)[1]])
        return httpx.Response(404, json={"errorCode": "E0000007", "errorSummary": "Not found"})

    return httpx.MockTransport(handler)


def read(transport: httpx.MockTransport, **changes: Any) -> dict[str, Any]:
    options = OktaOptions(org_url=ORG, app_id="0oaP", api_token="t", directory_scan="none")
    source = read_okta(options.__class__(**{**options.__dict__, **changes}), transport=transport)
    assert source.complete, source.errors
    return {i.id: i for i in source.identities}


@pytest.mark.parametrize(
    ("app_status", "user_status", "protected", "active"),
    [
        ("ACTIVE", "ACTIVE", True, True),
        ("PROVISIONED", "PASSWORD_EXPIRED", True, True),
        ("PROVISIONED", "LOCKED_OUT", True, True),
        ("ACTIVE", "RECOVERY", True, True),
        (
            "ACTIVE",
            "SUSPENDED",
            True,
            False,
        ),  # suspended users keep assignments, but are not active
        ("STAGED", "ACTIVE", False, True),
        ("INACTIVE", "ACTIVE", False, True),
        ("REVOKED", "ACTIVE", False, True),
        ("ACTIVE", "STAGED", True, False),
    ],
)
def test_okta_app_user_and_user_status_combine(
    app_status: str, user_status: str, protected: bool, active: bool
) -> None:
    """Expected iff app-user ACTIVE/PROVISIONED; active iff the user may sign in."""
    user = okta_user("00u1", user_status, "a@acme.example")
    identity = read(okta_transport([app_user(user, app_status)]))["00u1"]
    assert (identity.protected, identity.active) == (protected, active)


def test_okta_email_key_and_aliases() -> None:
    """AppUser profile email first; secondEmail, proxyAddresses, user email: aliases, once each."""
    user = okta_user(
        "00u1",
        "ACTIVE",
        "Jo.Smith@acme.example",
        secondEmail="jo@acme.example",
        proxyAddresses=["SMTP:jo.smith@acme.example", "smtp:js@acme.example"],
    )
    identity = read(okta_transport([app_user(user, "ACTIVE", email="jsmith@acme.example")]))["00u1"]
    assert identity.email == "jsmith@acme.example"
    assert identity.aliases == (
        "jo@acme.example",
        "jo.smith@acme.example",
        "js@acme.example",
    )  # first spelling kept


def test_okta_sync_error_is_a_provisioning_error() -> None:
    """syncState ERROR is reported on the identity, not hidden."""
    user = okta_user("00u1", "ACTIVE", "a@acme.example")
    identity = read(okta_transport([app_user(user, "ACTIVE", sync="ERROR")]))["00u1"]
    assert identity.provisioning_error and "syncState ERROR" in identity.provisioning_error


def _event(
    kind: str, when: str, targets: list[dict[str, Any]], result: str = "SUCCESS"
) -> dict[str, Any]:
    return {"eventType": kind, "published": when, "outcome": {"result": result}, "target": targets}


def test_okta_log_targets_are_matched_by_type_and_app() -> None:
    """Events for another app are ignored; targets in any order; failures set no change time."""
    gone = okta_user("00u9", "ACTIVE", "gone@acme.example")
    user = okta_user("00u1", "ACTIVE", "a@acme.example")
    app, other = {"type": "AppInstance", "id": "0oaP"}, {"type": "AppInstance", "id": "0oaOTHER"}
    events = [
        _event(
            "application.user_membership.add",
            "2026-03-01T00:00:00.000Z",
            [app, {"type": "User", "id": "00u1"}],
        ),
        _event(
            "application.user_membership.add",
            "2026-04-01T00:00:00.000Z",
            [{"type": "User", "id": "00u1"}, other],
        ),
        _event(
            "application.provision.user.push",
            "2026-05-01T00:00:00.000Z",
            [{"type": "User", "id": "00u1"}, app],
            "FAILURE",
        ),
        _event(
            "application.user_membership.remove",
            "2026-06-01T00:00:00.000Z",
            [{"type": "User", "id": "00u9"}, app],
        ),
    ]
    people = read(okta_transport([app_user(user, "ACTIVE")], events, users=[gone]))
    assert people["00u1"].changed_at.isoformat().startswith("2026-03-01")
    assert people["00u1"].provisioning_error is not None  # the failed push
    assert (people["00u9"].protected, people["00u9"].details["learned_from"]) == (
        False,
        "system_log",
    )


def test_okta_directory_scan_respects_domains() -> None:
    """The scan keeps unassigned people of the configured domains only."""
    users = [
        okta_user("00u2", "DEPROVISIONED", "left@acme.example"),
        okta_user("00u3", "DEPROVISIONED", "other@elsewhere.example"),
    ]
    people = read(
        okta_transport([], users=users), directory_scan="deactivated", domains=("acme.example",)
    )
    assert set(people) == {"00u2"}


def test_okta_requires_credentials_and_a_set() -> None:
    """No token and no OAuth key, or no app/group: a ConfigError before any request."""
    with pytest.raises(ConfigError):
        read_okta(OktaOptions(org_url=ORG, app_id="0oaP"))
    with pytest.raises(ConfigError):
        read_okta(OktaOptions(org_url=ORG, api_token="t"))
    with pytest.raises(ConfigError, match="180"):
        read_okta(OktaOptions(org_url=ORG, app_id="0oaP", api_token="t", logs_since_days=365))


def test_okta_options_repr_hides_secrets() -> None:
    """The token and the private key never show in a repr (logs, tracebacks)."""
    text = repr(
        OktaOptions(org_url=ORG, app_id="0oaP", api_token="sekret-token", private_key_pem="PEMDATA")
    )
    assert "sekret-token" not in text and "PEMDATA" not in text


GRAPH = "https://graph.example/v1.0"
SP = {"id": "sp-1", "appId": "app-1", "displayName": "Tessian", "appRoleAssignmentRequired": True}


def graph_user(uid: str, mail: str, enabled: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "mail": mail,
        "userPrincipalName": mail,
        "accountEnabled": enabled,
        "proxyAddresses": [f"SMTP:{mail}"],
        "otherMails": [],
        **extra,
    }


def graph_transport(
    assignments: list[dict[str, Any]], members: list[dict[str, Any]], users: list[dict[str, Any]]
) -> Callable[[httpx.Request], httpx.Response]:
    """A tiny tenant: a token endpoint and the Graph calls read_entra makes."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            base = "https://login.example/tenant-1"
            return httpx.Response(
                200,
                json={
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "issuer": f"{base}/v2.0",
                },
            )
        if path.endswith("/oauth2/v2.0/token"):
            return httpx.Response(
                200, json={"token_type": "Bearer", "expires_in": 3600, "access_token": "at"}
            )
        if path == "/v1.0/servicePrincipals(appId='app-1')":
            return httpx.Response(200, json=SP)
        if path == "/v1.0/servicePrincipals/sp-1/appRoleAssignedTo":
            return httpx.Response(200, json={"value": assignments})
        if path == "/v1.0/groups/g-1/members":
            return httpx.Response(200, json={"value": members})
        if path == "/v1.0/users":
            wanted = request.url.params.get("$filter", "")
            return httpx.Response(
                200, json={"value": [u for u in users if u["id"] in wanted or not wanted]}
            )
        if path.startswith("/v1.0/auditLogs/"):
            return httpx.Response(200, json={"value": []})
        return httpx.Response(
            404, json={"error": {"code": "Request_ResourceNotFound", "message": path}}
        )

    return handler


def read_graph(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    options = EntraOptions(
        tenant_id="tenant-1",
        client_id="c",
        client_secret="s",
        app_id="app-1",
        graph_url=GRAPH,
        authority_url="https://login.example",
        directory_scan="none",
    )
    return read_entra(options, transport=httpx.MockTransport(handler))


def _row(principal: str, kind: str, name: str = "x") -> dict[str, Any]:
    return {
        "principalId": principal,
        "principalType": kind,
        "principalDisplayName": name,
        "createdDateTime": "2026-01-01T00:00:00Z",
    }


def test_entra_direct_members_only_and_service_principals_ignored() -> None:
    """Group rows expand to direct user members; nested groups warn; SP rows are not people."""
    members = [
        {"@odata.type": "#microsoft.graph.user", **graph_user("u-2", "b@acme.example")},
        {"@odata.type": "#microsoft.graph.group", "id": "g-nested", "displayName": "Nested"},
    ]
    users = [
        graph_user(
            "u-1",
            "a@acme.example",
            enabled=False,
            proxyAddresses=["SMTP:a@acme.example", "smtp:alias@acme.example"],
            otherMails=["a@home.example"],
        )
    ]
    source = read_graph(
        graph_transport(
            [_row("u-1", "User"), _row("g-1", "Group", "Staff"), _row("sp-x", "ServicePrincipal")],
            members,
            users,
        )
    )
    people = {i.id: i for i in source.identities}
    assert source.complete and set(people) == {"u-1", "u-2"}
    assert (people["u-1"].active, people["u-1"].protected) == (False, True)
    assert people["u-1"].aliases == ("alias@acme.example", "a@home.example")
    assert people["u-2"].details["protected_via"] == "group:Staff"
    assert any("Nested" in w for w in source.warnings)


def test_entra_deleted_assignee_is_a_warning() -> None:
    """An assigned principal the directory no longer has is named in a warning, not invented."""
    source = read_graph(graph_transport([_row("u-gone", "User")], [], []))
    assert source.complete and not source.identities
    assert any("u-gone" in w for w in source.warnings)


def test_entra_token_failure_is_an_incomplete_source() -> None:
    """The token endpoint refusing: complete=False with the AADSTS code, no identities."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v2.0/token"):
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_codes": [7000215],
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        return graph_transport([], [], [])(request)

    source = read_graph(handler)
    assert not source.complete and "AADSTS7000215" in source.errors[0]


def test_entra_options_repr_hides_secrets() -> None:
    """The client secret never shows in a repr."""
    text = repr(EntraOptions(tenant_id="t", client_id="c", app_id="a", client_secret="hush-hush"))
    assert "hush-hush" not in text and json.dumps(text)


def test_a_response_of_the_wrong_shape_is_an_incomplete_source() -> None:
    """A service principal without an id (not the documented shape): complete=False, no crash."""

    def handler(request: httpx.Request) -> httpx.Response:
        if "servicePrincipals(" in unquote(request.url.path):
            return httpx.Response(200, json={"displayName": "Tessian"})
        return graph_transport([], [], [])(request)

    source = read_graph(handler)
    assert not source.complete and "unexpected response shape" in source.errors[0]
