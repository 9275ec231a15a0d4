"""The one place where identity-provider HTTP happens: retries, rate limits and error mapping.

Okta and Microsoft Graph throttle differently, so each provider passes a `Vendor` that knows how
long a throttled response asks us to wait and how its error bodies read; this module owns the loop:
transient failures (429, 5xx, network errors) are retried a bounded number of times, waits are
capped, and whatever is still failing becomes a `ProviderError` (never an httpx exception).
Secrets never leave `authorize()`: requests are logged nowhere here, and errors carry no headers.
"""

from __future__ import annotations

import random
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from connector.errors import ProviderAuthError, ProviderError, ProviderRateLimited

TRANSIENT_STATUS = frozenset({500, 502, 503, 504})


class Vendor(Protocol):
    """What differs between providers: throttling arithmetic and error bodies."""

    name: str

    def throttle_wait(self, response: httpx.Response) -> float | None:
        """Seconds a 429/503 asks us to wait (None: the response did not say)."""

    def pause_after(self, response: httpx.Response) -> float:
        """Seconds to pause before the NEXT request (e.g. a budget that just ran out)."""

    def to_error(self, response: httpx.Response) -> ProviderError:
        """The project's error for a failed response, vendor code and request id kept."""

    def before_request(self, url: str) -> None:
        """Hook run before every attempt (e.g. a per-endpoint request budget)."""


def parse_http_date(value: str | None) -> float | None:
    """An RFC 7231 HTTP date as epoch seconds, or None when absent or unreadable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds: delta-seconds, or an HTTP date measured against `Date`."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    when = parse_http_date(raw)
    if when is None:
        return None
    # Measure against the server's own clock (its Date header) so local clock skew cannot matter.
    now = parse_http_date(response.headers.get("Date")) or time.time()
    return max(0.0, when - now)


def okta_reset_seconds(response: httpx.Response) -> float | None:
    """Seconds until `X-Rate-Limit-Reset` (epoch), computed against the response `Date`."""
    reset = response.headers.get("X-Rate-Limit-Reset")
    if reset is None or not reset.strip().isdigit():
        return None
    server_now = parse_http_date(response.headers.get("Date"))
    if server_now is None:
        server_now = time.time()  # no Date header: our clock is the only one left
    return max(0.0, int(reset) - server_now)


def tls_verify(ca_bundle: str | None) -> ssl.SSLContext | bool:
    """What httpx verifies against: the system store, or an extra CA bundle (a proxy, a test)."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


@dataclass
class RetryPolicy:
    """How hard to try: attempts per request, and the longest single wait we accept."""

    attempts: int = 5
    max_wait_s: float = 90.0
    backoff_s: float = 0.5


@dataclass
class SlidingWindow:
    """At most `limit` requests per `window_s` (Graph's audit logs: 5 per 10 seconds)."""

    limit: int
    window_s: float
    margin_s: float = 0.25
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    sent: deque[float] = field(default_factory=deque)

    def acquire(self) -> None:
        """Block until one more request fits in the window, then record it."""
        now = self.clock()
        while self.sent and now - self.sent[0] >= self.window_s:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            # a small margin: the server starts its window when our request arrives, a bit later
            self.sleep(self.window_s - (now - self.sent[0]) + self.margin_s)
            self.sent.popleft()
        self.sent.append(self.clock())


class HttpSeam:
    """GETs against one provider with retries, throttling and error mapping."""

    def __init__(
        self,
        vendor: Vendor,
        authorize: Callable[[bool], dict[str, str]],
        *,
        transport: httpx.BaseTransport | None = None,
        verify: Any = True,
        timeout_s: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.vendor, self.authorize = vendor, authorize
        self.policy = policy or RetryPolicy()
        self.sleep, self.clock = sleep, clock
        self.requests = 0
        self._not_before = 0.0
        self.client = httpx.Client(
            transport=transport, verify=verify, timeout=timeout_s, follow_redirects=False
        )

    def close(self) -> None:
        """Release the connection pools (ours and the token client's, if any)."""
        self.client.close()
        closer = getattr(self.authorize, "close", None)
        if callable(closer):
            closer()

    def get_json(
        self, url: str, params: dict[str, str] | None = None
    ) -> tuple[Any, httpx.Response]:
        """GET `url` and decode its JSON body (a ProviderError when it is not JSON)."""
        response = self.get(url, params)
        try:
            return response.json(), response
        except ValueError as exc:
            raise ProviderError(f"{self.vendor.name} answered {url} with non-JSON") from exc

    def get_json_if_found(self, url: str, params: dict[str, str] | None = None) -> Any | None:
        """The JSON body of `url`, or None when it is gone (404); other failures raise."""
        try:
            body, _ = self.get_json(url, params)
        except ProviderError as exc:
            if exc.status == 404:
                return None
            raise
        return body

    def get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """GET with retries; returns a 2xx response or raises a ProviderError."""
        refreshed = False
        for attempt in range(1, self.policy.attempts + 1):
            response = self._attempt(
                url, params, refresh=refreshed, last=attempt == self.policy.attempts
            )
            if response is None:
                self.sleep(self._backoff(attempt))
                continue
            if response.status_code < 400:
                self._note_pause(self.vendor.pause_after(response))
                return response
            if response.status_code == 401 and not refreshed:
                refreshed = True  # an OAuth token may have expired: get a new one, once
                continue
            self._handle_failure(response, attempt)
        raise ProviderError(f"{self.vendor.name}: {url} kept failing after {attempt} attempts")

    def _attempt(
        self, url: str, params: dict[str, str] | None, *, refresh: bool, last: bool
    ) -> httpx.Response | None:
        """One request, after any pause the provider asked for; None on a network error."""
        self._wait_for_budget()
        self.vendor.before_request(url)
        headers = {"Accept": "application/json", **self.authorize(refresh)}
        self.requests += 1
        try:
            return self.client.get(url, params=params, headers=headers)
        except httpx.TransportError as exc:
            if last:
                raise ProviderError(
                    f"{self.vendor.name} unreachable: {type(exc).__name__}"
                ) from exc
            return None

    def _handle_failure(self, response: httpx.Response, attempt: int) -> None:
        """Wait and return for transient failures; raise for everything else."""
        status = response.status_code
        if status != 429 and status not in TRANSIENT_STATUS:
            raise self.vendor.to_error(response)
        wait = self.vendor.throttle_wait(response)
        if attempt >= self.policy.attempts or (wait is not None and wait > self.policy.max_wait_s):
            raise self._final(response)
        self.sleep(wait if wait is not None else self._backoff(attempt))

    def _final(self, response: httpx.Response) -> ProviderError:
        """The error for a response still failing after the last wait we accept."""
        error = self.vendor.to_error(response)
        if response.status_code == 429:
            return ProviderRateLimited(
                f"{self.vendor.name} still rate limited: {error.message}",
                status=429,
                code=error.code,
                request_id=error.request_id,
            )
        return error

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with a little jitter, for failures that did not say how long."""
        return self.policy.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() / 4)

    def _note_pause(self, seconds: float) -> None:
        """Remember that the next request must wait (capped by the policy)."""
        if seconds > 0:
            self._not_before = self.clock() + min(seconds, self.policy.max_wait_s)

    def _wait_for_budget(self) -> None:
        """Sleep until the provider's budget allows another request."""
        remaining = self._not_before - self.clock()
        if remaining > 0:
            self.sleep(remaining)
        self._not_before = 0.0


def auth_error(
    vendor: str, response: httpx.Response, code: str | None, rid: str | None, msg: str
) -> ProviderError:
    """401/403 become ProviderAuthError, everything else a plain ProviderError."""
    cls = ProviderAuthError if response.status_code in (401, 403) else ProviderError
    return cls(f"{vendor}: {msg}", status=response.status_code, code=code, request_id=rid)


def paged(
    seam: HttpSeam,
    url: str,
    params: dict[str, str] | None,
    next_of: Callable[[Any, httpx.Response], str | None],
    items_of: Callable[[Any], list[Any]],
) -> Iterator[list[Any]]:
    """Yield each page's items, following the provider's next link verbatim until there is none."""
    seen: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        body, response = seam.get_json(next_url, params)
        params = None  # the next link already carries every parameter: never rebuild it
        yield items_of(body)
        next_url = next_of(body, response)
        if next_url is not None and next_url in seen:
            raise ProviderError(f"{seam.vendor.name} returned the same next link twice: {next_url}")
        if next_url is not None:
            seen.add(next_url)
