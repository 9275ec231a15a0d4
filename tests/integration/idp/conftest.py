"""Fixtures starting the fake Okta org and fake Graph tenant once per session (real HTTP on
127.0.0.1, port 0; Graph over TLS with a certificate made for this session), reset after each test.
"""

from __future__ import annotations

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

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.url}/__control/{path}", json=body, verify=self.ca or True)
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
        response = httpx.get(f"{self.url}/__control/requests", verify=self.ca or True)
        return list(response.json())

    def reset(self) -> None:
        """Faults off, log cleared, demo tenant reloaded."""
        self._post("tenant", {"name": "demo"})


@pytest.fixture(scope="session")
def _okta_server() -> Iterator[Fake]:
    server = ServerThread(create_okta_app(FakeState.load("demo"), control=True, api_token=OKTA_TOKEN))
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
