"""Tenant files: strict validation with one-line errors, relative times, the generator, the
shipped scenarios, and a 10k tenant served by the running portal."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.portal.tenant import TenantError, load_store, load_tenant
from fixtures.portal.timefmt import parse_time
from fixtures.tenants.generate import generate_tenant, main as generate_main

TENANTS = Path(__file__).resolve().parents[3] / "fixtures" / "tenants"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def base() -> dict[str, Any]:
    return generate_tenant(2, seed=1, scenario="t")


def error_for(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TenantError) as caught:
        load_tenant(path, NOW)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["monitored_users"][1].update(status="Fine"),
     "monitored_users[1].status: 'Fine' is not one of Good connection, Connection issues, "
     "Not connected for over 7 days, Not connected for over 1 month"),
    (lambda d: d["monitored_users"][0].pop("address"), "monitored_users[0].address: missing required field"),
    (lambda d: d["monitored_users"][0].update(emails_processed="12"),
     "monitored_users[0].emails_processed: expected a non-negative integer, got '12'"),
    (lambda d: d["monitored_users"][0].update(colour="red"),
     "monitored_users[0].colour: unknown field (known: id, address, sync_state, status, last_connection, "
     "emails_processed, addin_version, addin_hardware, user_created, last_upload_stored, addin_ping, "
     "addin_check, gateway_ping, gateway_check, api_ping)"),
    (lambda d: d["monitored_users"][1].update(id=1), "monitored_users[1].id: duplicate id 1"),
    (lambda d: d["audit_events"][0].update(timestamp="yesterday"),
     "audit_events[0].timestamp: not an ISO-8601 time or now±N[smhdw]: 'yesterday'"),
    (lambda d: d["groups"][0].update(created_at="2026-11-27T14:03:00"),
     "groups[0].created_at: time has no zone (add Z): '2026-11-27T14:03:00'"),
    (lambda d: d["admins"][0].update(totp_secret="not base32!"), "admins[0].totp_secret: not a base32 TOTP secret"),
    (lambda d: d.update(admins=[]), "admins: at least one admin is needed to sign in"),
    (lambda d: d.pop("company"), "company: missing required field"),
    (lambda d: d.update(extra=1), "extra: unknown top-level field (known: scenario, description, company, "
     "admins, monitored_users, portal_users, groups, audit_events, directory_sync, api_tokens, directory, "
     "expected_findings)"),
    (lambda d: d["groups"][1]["members"][0].update(type="User"),
     "groups[1].members[0].type: 'User' is not one of Address, Domain"),
])
def test_validation_errors_name_the_field(tmp_path: Path, mutate: Any, expected: str) -> None:
    """Each malformed field gives one line: file, field path, and what is wrong."""
    data = base()
    mutate(data)
    assert error_for(tmp_path, data) == expected


def test_not_an_object_and_comments(tmp_path: Path) -> None:
    """A JSON list is refused; `_`-prefixed top-level keys are comments and allowed."""
    assert error_for(tmp_path, []) == "top level: expected a JSON object"
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({**base(), "_note": "why this tenant exists"}))
    assert load_tenant(path, NOW).scenario == "t"


def test_relative_times() -> None:
    """`now`, `now-45m`, `now-2h`, `now-3d`, `now+1w` resolve against the load time."""
    assert parse_time("now", NOW) == NOW
    assert parse_time("now-45m", NOW) == NOW - timedelta(minutes=45)
    assert parse_time("now-2h", NOW) == NOW - timedelta(hours=2)
    assert parse_time("now-3d", NOW) == NOW - timedelta(days=3)
    assert parse_time("now+1w", NOW) == NOW + timedelta(weeks=1)
    assert parse_time("2026-11-27T14:03:00+01:00", NOW) == datetime(2026, 11, 27, 13, 3, tzinfo=UTC)


def test_loaded_tenant_resolves_relative_times_and_domain_members(tmp_path: Path) -> None:
    """Relative times become datetimes at load; domain members are kept as the bare domain."""
    tenant = load_tenant(TENANTS / "one-user.json", NOW)
    assert tenant.groups[0]["members"] == [{"value": "acme.example", "type": "Domain"}]
    assert tenant.directory_sync is not None
    assert tenant.directory_sync["last_successful_sync"] == NOW - timedelta(minutes=15)
    assert tenant.directory["people"][0]["changed_at"] == NOW - timedelta(days=30)


@pytest.mark.parametrize(("name", "users"), [("empty", 0), ("one-user", 1), ("one-page", 250),
                                             ("one-page-plus-one", 251)])
def test_scenarios(name: str, users: int) -> None:
    """The shipped scenarios load, have their sizes and the three kinds of admin."""
    store = load_store(name, NOW)
    assert store.monitored_users(limit=250).total == users
    admins = {a["email"]: a for a in store.tenant.admins}
    assert admins["security.admin@acme.example"]["totp_secret"] == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert admins["password.admin@acme.example"]["totp_secret"] is None
    assert admins["sso.admin@acme.example"]["sso"] is True


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """Same arguments, same bytes; another seed, other data; the CLI writes a loadable file."""
    assert generate_tenant(50, seed=3) == generate_tenant(50, seed=3)
    assert generate_tenant(50, seed=3) != generate_tenant(50, seed=4)
    out = tmp_path / "g.json"
    assert generate_main(["--users", "40", "--seed", "2", "--out", str(out)]) == 0
    assert load_store(out).monitored_users().total == 40
    first = out.read_bytes()
    generate_main(["--users", "40", "--seed", "2", "--out", str(out)])
    assert out.read_bytes() == first


@pytest.mark.integration
def test_large_tenant_serves_a_page(large_tenant_path: Path, portal: Any, signed_in: httpx.Client) -> None:
    """The 10k tenant loads into the running portal, and its pages answer with the right totals."""
    portal.control.load_tenant(large_tenant_path)
    started = time.perf_counter()
    body = signed_in.get("/0/data/monitored-users", params={"offset": 9_975, "limit": 250}).json()
    assert time.perf_counter() - started < 5  # generous: shared machine; real figure in report
    assert body["total"] == 10_000 and len(body["rows"]) == 25
    filtered = signed_in.get("/0/data/monitored-users", params={"sync_state": "Queued", "limit": 250}).json()
    assert 0 < filtered["total"] < 10_000
