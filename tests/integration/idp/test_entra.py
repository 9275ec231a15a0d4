"""read_entra against the fake Graph tenant and token endpoint (TLS) over real HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from connector.errors import ConfigError
from connector.idp.entra import EntraOptions, read_entra
from connector.models import Identity, IdentitySource
from fixtures.idp.server import self_signed

pytestmark = pytest.mark.integration

PROTECTED, PORTAL = "7d3a1c52-4b8e-4f0a-9c61-2f5e8a9b0d11", "a4f0e2b9-3c7d-4e15-8b2a-6d9c1e7f5a22"
BIG_PROTECTED, BIG_PORTAL = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
)


def options(fake: Any, **changes: Any) -> EntraOptions:
    """Demo options (client secret, both apps, the fake's authority and CA) with overrides."""
    base = EntraOptions(
        tenant_id="acme-tenant",
        client_id="fake-entra-client",
        client_secret="fake-entra-secret",
        app_id=PROTECTED,
        portal_app_id=PORTAL,
        graph_url=f"{fake.url}/v1.0",
        authority_url=fake.url,
        ca_bundle=fake.ca,
        max_retry_wait_s=5,
    )
    return dataclasses.replace(base, **changes)


def by_email(source: IdentitySource) -> dict[str, Identity]:
    return {i.email: i for i in source.identities}


def graph_requests(fake: Any, fragment: str) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if fragment in r["path"]]


def test_demo_reads_every_person_with_direct_and_group_assignments(graph: Any) -> None:
    """All 208 demo people; direct vs group assignment; disabled accounts keep their assignment."""
    source = read_entra(options(graph))
    people = by_email(source)
    assert source.complete and not source.errors and not source.warnings and len(people) == 208
    assert (
        people["olivia.dixon@acme.example"].details["protected_via"]
        == "group:Tessian Protected Users"
    )
    assert people["vera.costa@acme.example"].details["protected_via"] == "direct"
    leaver = people["gareth.hughes@acme.example"]
    assert (leaver.active, leaver.protected) == (False, True)
    assert people["mark.jensen@acme.example"].portal_access is True
    assert people["zoe.martin@acme.example"].details["learned_from"] == "directory_scan"
    assert people["robert.smith@acme.example"].aliases == ("bob.smith@acme.example",)
    assert people["api.service@acme.example"].portal_access is True


def test_users_are_read_with_the_select_the_verifier_needs(graph: Any) -> None:
    """Every users/members call names accountEnabled, proxyAddresses, otherMails ... in $select."""
    read_entra(options(graph))
    calls = graph_requests(graph, "/users") + graph_requests(graph, "/members")
    assert calls and all(
        "accountEnabled" in r["query"]
        and "proxyAddresses" in r["query"]
        and "otherMails" in r["query"]
        and "employeeId" in r["query"]
        for r in calls
    )


def test_change_times_from_directory_audits_and_provisioning_logs(graph: Any) -> None:
    """changed_at from audits; provisioning failures only when provisioning logs are read."""
    people = by_email(read_entra(options(graph, provisioning_logs=True)))
    now = dt.datetime.now(dt.UTC)
    assert abs(
        people["tom.becker@acme.example"].changed_at - (now - dt.timedelta(hours=3))
    ) < dt.timedelta(minutes=2)
    assert (
        people["priya.natarajan@acme.example"].provisioning_error
        == "Push to Tessian failed: mailbox not licensed"
    )
    audits = graph_requests(graph, "/auditLogs/directoryAudits")
    assert (
        audits
        and "activityDateTime+ge" in audits[0]["query"]
        and "activityDateTime+le" in audits[0]["query"]
    )
    assert graph_requests(graph, "/auditLogs/provisioning")


def test_without_provisioning_logs_they_are_not_read(graph: Any) -> None:
    """provisioning_logs off: no provisioning call and no provisioning error."""
    people = by_email(read_entra(options(graph)))
    assert people["priya.natarajan@acme.example"].provisioning_error is None
    assert not graph_requests(graph, "/auditLogs/provisioning")


def test_assignment_not_required_is_a_warning(graph: Any) -> None:
    """appRoleAssignmentRequired false: the read completes with a warning for each app."""
    graph.faults(assignment_not_required=True)
    source = read_entra(options(graph))
    assert source.complete and len(source.warnings) == 2
    assert "appRoleAssignmentRequired false" in source.warnings[0]


def test_nested_groups_are_not_expanded(graph: Any, big_tenant: Any) -> None:
    """A group inside an assigned group gives no access (Entra semantics): warned, not expected."""
    graph.load_tenant(big_tenant(30, nested=True))
    source = read_entra(options(graph, app_id=BIG_PROTECTED, portal_app_id=BIG_PORTAL))
    nested_member = by_email(source)["user00001@big.example"]
    assert source.complete and not nested_member.portal_access
    assert any("contains group Nested" in w for w in source.warnings)


def test_pagination_follows_next_links_verbatim_across_many_pages(
    graph: Any, big_tenant: Any
) -> None:
    """1,200 people, 100 a page, an empty page before each: all read via opaque $skiptoken."""
    graph.load_tenant(big_tenant(1200))
    graph.faults(page_size=100, empty_pages=True)
    source = read_entra(
        options(graph, app_id=BIG_PROTECTED, portal_app_id=BIG_PORTAL, logs_since_days=1)
    )
    assert source.complete and len(source.identities) == 1200
    scans = [r for r in graph_requests(graph, "/v1.0/users") if "filter" not in r["query"]]
    assert len(scans) == 2 * math.ceil(1200 / 100)
    assert all(r["status"] == 200 for r in graph.requests())


@pytest.mark.parametrize("fault", [{"rate_limit": 2}, {"server_error": 2}])
def test_throttling_and_unavailability_are_waited_out(graph: Any, fault: dict[str, Any]) -> None:
    """429 and 503 with Retry-After: waited out, retried, complete."""
    graph.faults(**fault)
    source = read_entra(options(graph))
    assert source.complete and len(source.identities) == 208


def test_persistent_throttling_gives_an_incomplete_source(graph: Any) -> None:
    """Still 429 after the last attempt: ProviderRateLimited, complete=False."""
    graph.faults(rate_limit=100)
    source = read_entra(options(graph, retry_attempts=3))
    assert not source.complete and "ProviderRateLimited" in source.errors[0]
    assert "TooManyRequests" in source.errors[0]


def test_failing_audit_logs_leave_a_partial_incomplete_source(graph: Any) -> None:
    """Assignments read, audits failing: identities kept, complete=False, the Graph code kept."""
    graph.faults(fail_path="/auditLogs/")
    source = read_entra(options(graph, retry_attempts=2))
    assert not source.complete and "serviceNotAvailable" in source.errors[0]
    assert source.identities  # what was read is kept, but flagged incomplete


def test_rejected_access_token_is_an_auth_error(graph: Any) -> None:
    """Every token rejected: ProviderAuthError InvalidAuthenticationToken, nothing trusted."""
    graph.faults(expire_token=True)
    source = read_entra(options(graph))
    assert not source.complete and not source.identities
    assert (
        "ProviderAuthError" in source.errors[0] and "InvalidAuthenticationToken" in source.errors[0]
    )


def test_expired_token_is_replaced_once(graph: Any) -> None:
    """A token expiring mid-read is dropped from msal's cache; a new one completes the read."""
    graph.faults(expire_issued_tokens=True)
    source = read_entra(options(graph))
    assert source.complete
    assert len(graph_requests(graph, "/oauth2/v2.0/token")) == 2


def test_wrong_client_secret_is_an_auth_error_without_the_secret(graph: Any) -> None:
    """AADSTS7000215 is reported; the secret never appears in the error."""
    source = read_entra(options(graph, client_secret="not-the-secret"))
    assert not source.complete and "AADSTS7000215" in source.errors[0]
    assert "not-the-secret" not in source.errors[0]


def _certificate(tmp_path: Path) -> tuple[Path, str]:
    key, cert = self_signed("tessian-connector", dt.timedelta(days=1))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "client.pem"
    path.write_text(key_pem + cert_pem)
    return path, cert_pem


def test_certificate_credential(graph: Any, tmp_path: Path) -> None:
    """A certificate (PEM key + cert) signs msal's client assertion; the fake verifies it."""
    path, cert_pem = _certificate(tmp_path)
    graph.register_client(client_id="cert-client", certificate_pem=cert_pem)
    source = read_entra(
        options(graph, client_id="cert-client", client_secret=None, certificate_path=str(path))
    )
    assert source.complete and len(source.identities) == 208


def test_plain_http_urls_are_a_config_error(graph: Any) -> None:
    """Graph and authority must be https: a ConfigError, before any request."""
    with pytest.raises(ConfigError):
        read_entra(options(graph, graph_url="http://127.0.0.1:1/v1.0"))


def test_audit_logs_can_be_turned_off(graph: Any) -> None:
    """logs_since_days=0: no audit/provisioning calls (no AuditLog.Read.All, Directory.Read.All)."""
    source = read_entra(options(graph, logs_since_days=0, provisioning_logs=True))
    assert source.complete and len(source.identities) == 208
    assert not graph_requests(graph, "/auditLogs/")


def test_unknown_app_is_reported(graph: Any) -> None:
    """A misconfigured appId: Request_ResourceNotFound, incomplete, nothing read."""
    source = read_entra(options(graph, app_id="99999999-9999-4999-8999-999999999999"))
    assert not source.complete and "Request_ResourceNotFound" in source.errors[0]


def test_leavers_are_found_in_the_audits_without_a_scan(graph: Any) -> None:
    """directory_scan none: disabled, unassigned people come from the audit window only."""
    people = by_email(read_entra(options(graph, directory_scan="none")))
    assert people["hannah.cole@acme.example"].details["learned_from"] == "directory_audit"
    assert not people["hannah.cole@acme.example"].active
    assert "zoe.martin@acme.example" not in people  # disabled 60 days ago: outside the window
