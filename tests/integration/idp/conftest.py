"""Fixtures starting the fake Okta org and fake Graph tenant once per session (real HTTP on
127.0.0.1, port 0; Graph over TLS with a certificate made for this session), reset after each test.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.idp.control import FakeState
from fixtures.idp.graph_app import create_graph_app
from fixtures.idp.okta_app import create_okta_app
from fixtures.idp.server import ServerThread, make_tls

OKTA_TOKEN = "okta-fake-token"


@dataclass
class Fake:
    """A running fake: its URL, the CA bundle to trust (Graph), and the control API."""

    url: str
    ca: str | None = None

    def verify(self) -> ssl.SSLContext | bool:
        """Trust the fake's self-signed certificate (Graph) or the system store."""
        return ssl.create_default_context(cafile=self.ca) if self.ca else True

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.url}/__control/{path}", json=body, verify=self.verify())
        response.raise_for_status()
        return response.json()

    def faults(self, **switches: Any) -> None:
        """Turn fault switches on (see fixtures/idp/control.py)."""
        self._post("faults", switches)

    def load_tenant(self, name_or_path: str | Path) -> None:
        """Serve another tenant (scenario name or JSON path)."""
        key = "path" if str(name_or_path).endswith(".json") else "name"
        self._post("tenant", {key: str(name_or_path)})

    def register_client(self, **client: Any) -> None:
        """Register an OAuth client (public key / certificate / secret)."""
        self._post("oauth_client", client)

    def requests(self) -> list[dict[str, Any]]:
        """The request log (method, path, query, auth scheme, status)."""
        response = httpx.get(f"{self.url}/__control/requests", verify=self.verify())
        return list(response.json())

    def reset(self) -> None:
        """Faults off, log cleared, demo tenant reloaded."""
        self._post("tenant", {"name": "demo"})


@pytest.fixture(scope="session")
def _okta_server() -> Iterator[Fake]:
    server = ServerThread(
        create_okta_app(FakeState.load("demo"), control=True, api_token=OKTA_TOKEN)
    )
    yield Fake(server.start().url)
    server.stop()


@pytest.fixture(scope="session")
def _graph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fake]:
    tls = make_tls(tmp_path_factory.mktemp("graph-tls"))
    server = ServerThread(create_graph_app(FakeState.load("demo"), control=True), tls=tls)
    yield Fake(server.start().url, str(tls.cert))
    server.stop()


@pytest.fixture
def okta(_okta_server: Fake) -> Iterator[Fake]:
    """The fake Okta org serving the demo tenant, reset after the test."""
    yield _okta_server
    _okta_server.reset()


@pytest.fixture
def graph(_graph_server: Fake) -> Iterator[Fake]:
    """The fake Graph tenant serving the demo tenant, reset after the test."""
    yield _graph_server
    _graph_server.reset()


def big_directory(people: int, *, nested: bool = False) -> dict[str, Any]:
    """A tenant whose directory has `people` people: every third assigned directly, the rest
    through a group; every tenth a portal user; a few leavers; optionally a nested group."""
    persons = []
    for n in range(people):
        status = "deprovisioned" if n % 97 == 5 else ("suspended" if n % 89 == 7 else "active")
        persons.append(
            {
                "id": f"00u{n:017d}",
                "entra_id": f"00000000-0000-4000-8000-{n:012d}",
                "email": f"user{n:05d}@big.example",
                "display_name": f"User {n:05d}",
                "aliases": [f"u{n:05d}@big.example"] if n % 50 == 0 else [],
                "status": status,
                "assigned": ["protected"] if n % 3 == 0 else [],
                "changed_at": f"now-{n % 40}d",
                "provisioning_error": None,
                "department": "Big",
                "employee_id": f"B{n}",
            }
        )
    members = [p["id"] for i, p in enumerate(persons) if i % 3 != 0]
    groups = [
        {
            "id": "00gbigprotected00001",
            "name": "Big protected",
            "members": members,
            "assigned_to": ["protected"],
        },
        {
            "id": "00gbigportal00000001",
            "name": "Big portal",
            "members": [p["id"] for i, p in enumerate(persons) if i % 10 == 0],
            "assigned_to": ["portal"],
        },
    ]
    if nested:
        groups.append(
            {
                "id": "00gbignested00000001",
                "name": "Nested",
                "members": [persons[1]["id"]],
                "assigned_to": [],
            }
        )
        groups[1]["members"].append("00gbignested00000001")
    return {
        "scenario": "idp-big",
        "company": "big.example",
        "admins": [{"email": "admin@big.example", "password": "x-Passw0rd!", "totp_secret": None}],
        "directory": {
            "domains": ["big.example"],
            "protected_app": {
                "okta_id": "0oabigprotected0001",
                "entra_app_id": "11111111-1111-4111-8111-111111111111",
                "name": "Tessian",
            },
            "portal_app": {
                "okta_id": "0oabigportal000001",
                "entra_app_id": "22222222-2222-4222-8222-222222222222",
                "name": "Tessian Portal",
            },
            "groups": groups,
            "people": persons,
        },
    }


@pytest.fixture
def big_tenant(tmp_path: Path) -> Any:
    """Write a generated tenant JSON (see big_directory) and return its path."""

    def write(people: int, **kwargs: Any) -> Path:
        path = tmp_path / f"big-{people}.json"
        path.write_text(json.dumps(big_directory(people, **kwargs)))
        return path

    return write
