"""Every scenario tenant (and a generated 1,500-person one, read at 100 a page) is read exactly:
Okta and Entra give the same identities as the tenant's identity export.

For deactivated people only `active=False` is compared (Okta removes a deactivated user's app
assignments; see test_same_expected_state.py); everything else must match exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.idp.entra import EntraOptions, read_entra
from connector.idp.okta import OktaOptions, read_okta
from connector.models import IdentitySource
from fixtures.idp.directory import entra_id
from fixtures.idp_export import identities
from fixtures.portal.tenant import load_tenant, scenario_names

pytestmark = pytest.mark.integration


def _expected(tenant: str | Path) -> dict[str, tuple[Any, ...]]:
    """The export's records of a tenant, reduced to what the providers must agree on."""
    return {
        r["email"]: _key(r["id"], r["active"], r["aliases"], r["protected"], r["portal_access"])
        for r in identities(load_tenant(tenant).directory)
    }


def _key(ident: str, active: bool, aliases: Any, protected: bool, portal: bool) -> tuple[Any, ...]:
    return (
        ident,
        active,
        tuple(sorted(a.casefold() for a in aliases)),
        protected if active else None,
        portal if active else None,
    )


def _read(source: IdentitySource, ids: dict[str, str] | None = None) -> dict[str, tuple[Any, ...]]:
    assert source.complete, source.errors
    return {
        i.email: _key(
            (ids or {}).get(i.id, i.id), i.active, i.aliases, i.protected, i.portal_access
        )
        for i in source.identities
    }


def _apps(tenant: str | Path) -> dict[str, Any]:
    directory = load_tenant(tenant).directory
    return {name: directory.get(f"{name}_app") or {} for name in ("protected", "portal")}


def _scenarios() -> list[str]:
    return [*scenario_names(), "generated-1500"]


@pytest.fixture
def tenant(request: pytest.FixtureRequest, big_tenant: Any) -> str | Path:
    name: str = request.param
    return big_tenant(1500) if name.startswith("generated") else name


@pytest.mark.parametrize("tenant", _scenarios(), indirect=True)
def test_okta_reads_the_scenario_exactly(okta: Any, tenant: str | Path) -> None:
    """Okta identities == export identities for this scenario."""
    okta.load_tenant(tenant)
    okta.faults(page_size=100)
    apps = _apps(tenant)
    source = read_okta(
        OktaOptions(
            org_url=okta.url,
            app_id=apps["protected"]["okta_id"],
            portal_app_id=apps["portal"].get("okta_id"),
            api_token="okta-fake-token",
        )
    )
    assert _read(source) == _expected(tenant)


@pytest.mark.parametrize("tenant", _scenarios(), indirect=True)
def test_entra_reads_the_scenario_exactly(graph: Any, tenant: str | Path) -> None:
    """Entra identities == export identities for this scenario (object ids mapped back)."""
    graph.load_tenant(tenant)
    graph.faults(page_size=100)
    apps = _apps(tenant)
    people = load_tenant(tenant).directory.get("people") or []
    source = read_entra(
        EntraOptions(
            tenant_id="t",
            client_id="fake-entra-client",
            client_secret="fake-entra-secret",
            app_id=apps["protected"]["entra_app_id"],
            portal_app_id=apps["portal"].get("entra_app_id"),
            graph_url=f"{graph.url}/v1.0",
            authority_url=graph.url,
            ca_bundle=graph.ca,
            logs_since_days=2,
        )
    )  # few audit pages: the 5-per-10-s audit budget would dominate the test
    assert _read(source, {entra_id(p): p["id"] for p in people}) == _expected(tenant)
    assert json.dumps(source.warnings) == "[]"
