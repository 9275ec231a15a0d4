"""Through the command line: with the rogue write vectors on (fixtures/portal/rogue.py), `verify`,
`check` and `doctor` end inconclusive (exit 3) with read_only_violation, and nothing arrives.

Every vector is tested one by one through the flows behind these commands
(tests/integration/flows_session/test_guard_vectors.py); here each command meets at once the
vectors that reached the portal before the guard denied by default, and one of each other kind
(the vectors that navigate the page away or open windows are left to the flow tests: on every
list page of the demo tenant they only make the run slow).
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
VECTORS = ["shared_worker", "websocket", "websocket_stream", "worker_websocket", "host_localhost",
           "host_ipv6", "host_loopback2", "host_trailing_dot", "host_subdomain",
           "fetch_post", "form_iframe", "worker", "service_worker"]
# What the guard's records name, one per kind of vector: a post to the portal, to another name
# for it, a WebSocket, and the refused worker APIs.
NAMED = ("POST /0/admin/integrations/api/tokens/create", "POST //localhost:", "POST //[::1]:",
         "WEBSOCKET /0/live", "WORKER ", "SHAREDWORKER ", "SERVICEWORKER ")


def _messages(result: Any) -> str:
    return " ".join(r["message"] for r in result.report()["reasons"]
                    if r["reason"] == "read_only_violation")


def test_verify_with_the_vectors_is_inconclusive(cli: Any, demo_args: Any, portal: Any) -> None:
    """`verify` exits 3 with read_only_violation naming each kind of vector; no write arrives."""
    portal.control.faults(rogue_write=VECTORS)
    result = cli(*demo_args.global_args, "verify", *demo_args.verify)
    assert result.code == 3, result.err[-1500:]
    assert all(name in _messages(result) for name in NAMED), _messages(result)
    assert portal.control.writes() == []


def test_check_with_the_vectors_is_inconclusive(cli: Any, demo_args: Any, portal: Any) -> None:
    """`check` exits 3 with read_only_violation naming each kind of vector; no write arrives."""
    portal.control.faults(rogue_write=VECTORS)
    result = cli(*demo_args.global_args, "check", "nobody.here@acme.example", "--expect",
                 "absent", *demo_args.portal)
    assert result.code == 3, result.out + result.err[-1500:]
    assert "verdict: inconclusive" in result.out
    assert all(name in _messages(result) for name in NAMED), _messages(result)
    assert portal.control.writes() == []


def test_doctor_with_the_vectors_is_inconclusive(cli: Any, demo_args: Any, portal: Any) -> None:
    """`doctor` exits 3, failing the list pages with the refused worker and WebSocket named."""
    portal.control.faults(rogue_write=VECTORS)
    result = cli(*demo_args.global_args, "doctor", *demo_args.portal)
    assert result.code == 3, result.out + result.err[-1500:]
    assert "read-only guard blocked" in result.out
    assert all(name in result.out for name in ("WORKER ", "WEBSOCKET /0/live", "//localhost:"))
    assert portal.control.writes() == []
