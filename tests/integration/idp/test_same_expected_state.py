"""The demo scenario gives the same expected identities from the export file, Okta and Entra.

One deliberate difference, from Okta itself: deactivating an Okta user removes every app
assignment, so Okta reports a DEPROVISIONED user as neither protected nor portal_access, while the
export (and Entra, where a disabled account keeps its assignments) still lists the assignment.
All three say `active=False` for that person, which is what makes them a leaver in reconcile, so
for inactive people only the leaver verdict is compared; everything else is compared exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connector.idp.entra import EntraOptions, read_entra
from connector.idp.okta import OktaOptions, read_okta
from connector.models import IdentitySource

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "fixtures" / "tenants" / "demo.json"


def okta_options(fake: Any) -> OktaOptions:
    """The demo's two Okta apps through the fake org."""
    return OktaOptions(
        org_url=fake.url,
        app_id="0oa1tessianprot0001",
        portal_app_id="0oa1tessianport0001",
        api_token="okta-fake-token",
    )


def entra_options(fake: Any) -> EntraOptions:
    """The demo's two enterprise apps through the fake tenant (TLS, its own CA)."""
    return EntraOptions(
        tenant_id="acme-tenant",
        client_id="fake-entra-client",
        client_secret="fake-entra-secret",
        app_id="7d3a1c52-4b8e-4f0a-9c61-2f5e8a9b0d11",
        portal_app_id="a4f0e2b9-3c7d-4e15-8b2a-6d9c1e7f5a22",
        graph_url=f"{fake.url}/v1.0",
        authority_url=fake.url,
        ca_bundle=fake.ca,
    )


def _assigned_leavers() -> set[str]:
    """Deactivated people the tenant file assigns to an app, directly or through a group."""
    directory = json.loads(DEMO.read_text())["directory"]
    via_group = {m for g in directory["groups"] if g.get("assigned_to") for m in g["members"]}
    return {
        p["email"]
        for p in directory["people"]
        if p["status"] == "deprovisioned" and (p["assigned"] or p["id"] in via_group)
    }


def _export(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The identity export of the demo tenant, written by DATA+API's exporter, keyed by email."""
    out = tmp_path / "identities.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fixtures.idp_export",
            "--tenant",
            "demo",
            "--format",
            "json",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return {r["email"]: r for r in json.loads(out.read_text())["identities"]}


def _view(record: dict[str, Any], id_key: str = "id") -> tuple[Any, ...]:
    """What must agree: id, active, aliases, and (for active people) protected / portal_access."""
    active = bool(record["active"])
    return (
        record[id_key],
        active,
        tuple(sorted(a.casefold() for a in record["aliases"])),
        bool(record["protected"]) if active else None,
        bool(record["portal_access"]) if active else None,
    )


def _views(source: IdentitySource, ids: dict[str, str] | None = None) -> dict[str, tuple[Any, ...]]:
    out = {}
    for identity in source.identities:
        record = identity.model_dump()
        record["aliases"] = list(identity.aliases)
        if ids is not None:
            record["id"] = ids[identity.id]  # Entra object id -> the person's id in the tenant file
        out[identity.email] = _view(record)
    return out


def test_export_okta_and_entra_agree_on_the_demo(okta: Any, graph: Any, tmp_path: Path) -> None:
    """Same people, ids, active flags, aliases and assignments through all three sources; the
    exact flags of Okta and Entra differ only for the deactivated people assigned to an app."""
    export = {email: _view(r) for email, r in _export(tmp_path).items()}
    people = json.loads(DEMO.read_text())["directory"]["people"]
    okta_source, entra_source = read_okta(okta_options(okta)), read_entra(entra_options(graph))
    assert okta_source.complete and entra_source.complete
    assert _views(okta_source) == export
    assert _views(entra_source, {p["entra_id"]: p["id"] for p in people}) == export
    assert len(export) == len(people) == 208

    def flags(source: IdentitySource) -> dict[str, tuple[bool, bool, bool]]:
        return {i.email: (i.active, i.protected, i.portal_access) for i in source.identities}

    okta_flags, entra_flags = flags(okta_source), flags(entra_source)
    differing = {e for e in okta_flags if okta_flags[e] != entra_flags[e]}
    assert differing == _assigned_leavers() and differing
    assert all(okta_flags[e] == (False, False, False) for e in differing)
