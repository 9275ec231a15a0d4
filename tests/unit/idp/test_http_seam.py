"""The HTTP seam with httpx.MockTransport: waits, retries, error mapping, paging rules."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from connector.errors import ProviderAuthError, ProviderError, ProviderRateLimited
from connector.idp._entra_wire import GraphVendor
from connector.idp._http import (
    HttpSeam,
    RetryPolicy,
    SlidingWindow,
    okta_reset_seconds,
    paged,
    retry_after_seconds,
)
from connector.idp._okta_wire import OktaVendor

SERVER_NOW = 1_900_000_000.0  # a server clock far from ours: waits must not depend on our clock


def response(
    status: int = 200, headers: dict[str, str] | None = None, body: Any = None
) -> httpx.Response:
    request = httpx.Request("GET", "https://org.example/api/v1/x")
    return httpx.Response(
        status, headers=headers or {}, json=body if body is not None else [], request=request
    )


def seam(
    vendor: Any,
    handler: Callable[[httpx.Request], httpx.Response],
    sleeps: list[float],
    *,
    attempts: int = 5,
    max_wait: float = 60.0,
    authorize: Any = None,
) -> HttpSeam:
    """A seam over a MockTransport whose sleeps are recorded, not slept."""
    return HttpSeam(
        vendor,
        authorize or (lambda refresh: {"Authorization": "SSWS t"}),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        policy=RetryPolicy(attempts=attempts, max_wait_s=max_wait, backoff_s=0.01),
        clock=lambda: 0.0,
    )


def test_okta_reset_is_measured_against_the_date_header() -> None:
    """Reset 7 s after the server's Date means a 7 s wait, whatever our clock says."""
    r = response(
        429,
        {
            "Date": formatdate(SERVER_NOW, usegmt=True),
            "X-Rate-Limit-Reset": str(int(SERVER_NOW) + 7),
        },
    )
    assert okta_reset_seconds(r) == 7


def test_okta_reset_in_the_past_means_no_wait() -> None:
    """A reset already reached gives 0, never a negative sleep."""
    r = response(
        429,
        {
            "Date": formatdate(SERVER_NOW, usegmt=True),
            "X-Rate-Limit-Reset": str(int(SERVER_NOW) - 3),
        },
    )
    assert okta_reset_seconds(r) == 0


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), ("0", 0.0), ("soon", None)])
def test_retry_after_delta_seconds(value: str, expected: float | None) -> None:
    """Retry-After as delta-seconds; garbage is ignored (None)."""
    assert retry_after_seconds(response(429, {"Retry-After": value})) == expected


def test_retry_after_http_date_is_measured_against_date() -> None:
    """Retry-After as an HTTP date: the distance from the response's Date."""
    headers = {
        "Date": formatdate(SERVER_NOW, usegmt=True),
        "Retry-After": formatdate(SERVER_NOW + 12, usegmt=True),
    }
    assert retry_after_seconds(response(503, headers)) == 12


def test_okta_429_waits_until_reset_then_succeeds() -> None:
    """One 429 E0000047 with a 3 s reset: one 3 s sleep, then the page."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(
                429,
                headers={
                    "Date": formatdate(SERVER_NOW, usegmt=True),
                    "X-Rate-Limit-Reset": str(int(SERVER_NOW) + 3),
                },
                json={"errorCode": "E0000047", "errorSummary": "rate"},
            )
        return httpx.Response(200, json=[{"id": 1}])

    sleeps: list[float] = []
    assert seam(OktaVendor(), handler, sleeps).get("https://org.example/api/v1/x").json() == [
        {"id": 1}
    ]
    assert sleeps == [3]


def test_okta_exhausted_budget_pauses_the_next_request() -> None:
    """X-Rate-Limit-Remaining 0 on a success: the next request first sleeps until the reset."""
    headers = {
        "Date": formatdate(SERVER_NOW, usegmt=True),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": str(int(SERVER_NOW) + 4),
    }
    sleeps: list[float] = []
    s = seam(OktaVendor(), lambda r: httpx.Response(200, headers=headers, json=[]), sleeps)
    s.get("https://org.example/a")
    assert sleeps == []
    s.get("https://org.example/b")
    assert sleeps == [4]


def test_a_wait_longer_than_allowed_is_rate_limited_not_slept() -> None:
    """A reset an hour away, a 60 s cap: ProviderRateLimited with code and request id, no sleep."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            headers={
                "Date": formatdate(SERVER_NOW, usegmt=True),
                "X-Rate-Limit-Reset": str(int(SERVER_NOW) + 3600),
            },
            json={"errorCode": "E0000047", "errorSummary": "rate", "errorId": "oaeXYZ"},
        )

    sleeps: list[float] = []
    with pytest.raises(ProviderRateLimited) as raised:
        seam(OktaVendor(), handler, sleeps).get("https://org.example/x")
    assert (raised.value.code, raised.value.request_id, sleeps) == ("E0000047", "oaeXYZ", [])


def test_graph_503_with_retry_after_is_retried_and_gives_up_after_the_attempts() -> None:
    """503 every time: waits as told between attempts, then a ProviderError with the Graph code."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            503,
            headers={"Retry-After": "2"},
            json={
                "error": {
                    "code": "serviceNotAvailable",
                    "message": "down",
                    "innerError": {"request-id": "rid-1"},
                }
            },
        )

    sleeps: list[float] = []
    with pytest.raises(ProviderError) as raised:
        seam(GraphVendor(), handler, sleeps, attempts=3).get("https://graph.example/v1.0/users")
    assert sleeps == [2, 2]
    assert (raised.value.status, raised.value.code, raised.value.request_id) == (
        503,
        "serviceNotAvailable",
        "rid-1",
    )


def test_401_refreshes_the_token_once_then_fails_as_auth_error() -> None:
    """A 401 asks the authorizer for a fresh token once; a second 401 is a ProviderAuthError."""
    refreshes: list[bool] = []

    def authorize(refresh: bool) -> dict[str, str]:
        refreshes.append(refresh)
        return {"Authorization": "Bearer t"}

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"errorCode": "E0000011", "errorSummary": "Invalid token provided"}
        return httpx.Response(401, json=body)

    with pytest.raises(ProviderAuthError) as raised:
        seam(OktaVendor(), handler, [], authorize=authorize).get("https://org.example/x")
    assert refreshes == [False, True] and raised.value.code == "E0000011"


def test_403_is_not_retried() -> None:
    """A missing permission is final: one request, ProviderAuthError."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            403, json={"error": {"code": "Authorization_RequestDenied", "message": "no"}}
        )

    with pytest.raises(ProviderAuthError):
        seam(GraphVendor(), handler, []).get("https://graph.example/v1.0/users")
    assert len(calls) == 1


def test_network_errors_are_retried_then_translated() -> None:
    """A refused connection is retried, then becomes a ProviderError (never an httpx exception)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ProviderError, match="unreachable"):
        seam(OktaVendor(), handler, [], attempts=3).get("https://org.example/x")


def test_paged_follows_the_next_link_verbatim_and_sends_parameters_once() -> None:
    """Only the first request carries our params; later ones are exactly the next links."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "after" not in request.url.params:
            return httpx.Response(
                200,
                json=[1],
                headers={"Link": '<https://org.example/p?after=Zz%2B1&limit=2>; rel="next"'},
            )
        return httpx.Response(200, json=[2])

    s = seam(OktaVendor(), handler, [])
    pages = list(
        paged(
            s,
            "https://org.example/p",
            {"limit": "2"},
            lambda b, r: r.links.get("next", {}).get("url"),
            lambda b: b,
        )
    )
    assert pages == [[1], [2]]
    assert seen == ["https://org.example/p?limit=2", "https://org.example/p?after=Zz%2B1&limit=2"]


def test_paged_refuses_a_next_link_that_loops() -> None:
    """A provider returning the same next link forever is an error, not an endless read."""
    link = {"Link": '<https://org.example/p?after=same>; rel="next"'}
    s = seam(OktaVendor(), lambda r: httpx.Response(200, json=[], headers=link), [])
    with pytest.raises(ProviderError, match="same next link"):
        list(
            paged(
                s,
                "https://org.example/p",
                None,
                lambda b, r: r.links.get("next", {}).get("url"),
                lambda b: b,
            )
        )


def test_sliding_window_allows_five_per_ten_seconds() -> None:
    """The sixth audit request within 10 s sleeps until the first leaves the window."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    window = SlidingWindow(limit=5, window_s=10.0, margin_s=0.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        window.acquire()
        now[0] += 1.0
    window.acquire()
    assert sleeps == [5.0]
    now[0] += 20
    window.acquire()
    assert sleeps == [5.0]
