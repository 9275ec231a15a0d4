"""`python -m fixtures.idp okta|graph`: the first stdout line is the base URL, and the demo reads
through it (Graph over TLS with the CA named on the second line)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from connector.idp.entra import EntraOptions, read_entra
from connector.idp.okta import OktaOptions, read_okta

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def fake(*args: str) -> Iterator[list[str]]:
    """Start the fake as a subprocess; yield its first stdout lines; stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "fixtures.idp", *args, "--port", "0", "--tenant", "demo"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip()]
        if args[0] == "graph":
            lines.append(proc.stdout.readline().strip())
        yield lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_okta_entry_point_prints_its_url_and_serves_the_demo() -> None:
    """The base URL comes first; any SSWS token is accepted by the demo fake."""
    with fake("okta") as lines:
        assert lines[0].startswith("http://127.0.0.1:")
        source = read_okta(
            OktaOptions(
                org_url=lines[0],
                app_id="0oa1tessianprot0001",
                portal_app_id="0oa1tessianport0001",
                api_token="demo-okta-token",
            )
        )
    assert source.complete and len(source.identities) == 208


def test_graph_entry_point_prints_its_url_and_ca() -> None:
    """An https base URL, then `ca=<path>`; msal and Graph calls trust that CA and read the demo."""
    with fake("graph") as lines:
        url, ca = lines[0], lines[1].removeprefix("ca=")
        assert url.startswith("https://127.0.0.1:") and Path(ca).is_file()
        source = read_entra(
            EntraOptions(
                tenant_id="demo",
                client_id="demo-client",
                client_secret="demo-secret",
                app_id="7d3a1c52-4b8e-4f0a-9c61-2f5e8a9b0d11",
                portal_app_id="a4f0e2b9-3c7d-4e15-8b2a-6d9c1e7f5a22",
                graph_url=url,
                authority_url=url,
                ca_bundle=ca,
            )
        )
    assert source.complete and len(source.identities) == 208
