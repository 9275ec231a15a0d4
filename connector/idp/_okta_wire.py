"""Okta on the wire: rate-limit headers, error objects, SSWS tokens and OAuth service-app tokens.

Throttling follows Okta's own advice: on a 429 (errorCode E0000047) sleep until
`X-Rate-Limit-Reset`, and when `X-Rate-Limit-Remaining` reaches 0 pause before the next request;
both computed against the response's `Date` header, never our clock, so clock skew cannot make us
hammer the org. OAuth uses client credentials with a `private_key_jwt` assertion (the only client
authentication Okta allows for `okta.*` scopes); DPoP-bound tokens are not supported, so the
service app must have "Require DPoP" switched off (the error says so when Okta asks for DPoP).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from connector.errors import ConfigError, ProviderAuthError, ProviderError
from connector.idp._http import auth_error, okta_reset_seconds, retry_after_seconds

DPOP_ERRORS = frozenset({"use_dpop_nonce", "invalid_dpop_proof"})


class OktaVendor:
    """Okta's throttling arithmetic and error objects for the HTTP seam."""

    name = "Okta"

    def throttle_wait(self, response: httpx.Response) -> float | None:
        """A 429 waits for `X-Rate-Limit-Reset`; a 5xx for `Retry-After` if it sent one."""
        if response.status_code == 429:
            return okta_reset_seconds(response)
        return retry_after_seconds(response)

    def pause_after(self, response: httpx.Response) -> float:
        """When the bucket is empty, wait for its reset before asking again."""
        if response.headers.get("X-Rate-Limit-Remaining", "").strip() == "0":
            return okta_reset_seconds(response) or 0.0
        return 0.0

    def to_error(self, response: httpx.Response) -> ProviderError:
        """Map an Okta `Error` object (errorCode, errorSummary, errorId) to the project's tree."""
        body = _json_or_empty(response)
        summary = str(body.get("errorSummary") or f"HTTP {response.status_code}")
        causes = [c.get("errorSummary", "") for c in body.get("errorCauses") or [] if c]
        if causes:
            summary = f"{summary}: {'; '.join(causes)}"
        code = body.get("errorCode") or body.get("error")
        rid = body.get("errorId") or response.headers.get("X-Okta-Request-Id")
        path = response.request.url.path if response.request else ""
        return auth_error("Okta", response, code, rid, f"{path}: {summary}")

    def before_request(self, url: str) -> None:
        """Okta needs no client-side budget beyond its headers."""


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    """The response body as a dict, or {} when it is not a JSON object."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def ssws_authorizer(token: str) -> Callable[[bool], dict[str, str]]:
    """Headers for an Okta API token (nothing to refresh)."""
    header = {"Authorization": f"SSWS {token}"}
    return lambda refresh: header


class OAuthServiceApp:
    """Client-credentials tokens for an Okta API Services app, cached until near expiry."""

    def __init__(
        self,
        org_url: str,
        client_id: str,
        private_key_pem: str,
        scopes: tuple[str, ...],
        *,
        key_id: str | None,
        client: httpx.Client,
    ) -> None:
        self.token_url = f"{org_url}/oauth2/v1/token"
        self.client_id, self.scopes, self.key_id = client_id, scopes, key_id
        self.key = _load_key(private_key_pem)
        self.client = client
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self, refresh: bool) -> dict[str, str]:
        """Bearer header, fetching a new token when asked to or when the cached one is stale."""
        if refresh or self._token is None or time.monotonic() >= self._expires:
            self._token = self._fetch()
        return {"Authorization": f"Bearer {self._token}"}

    def close(self) -> None:
        """Release the token client."""
        self.client.close()

    def assertion(self) -> str:
        """The signed client assertion (aud = the token URL, iss = sub = client id, 5 minutes)."""
        now = int(time.time())
        claims = {
            "aud": self.token_url,
            "iss": self.client_id,
            "sub": self.client_id,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        alg = "RS256" if isinstance(self.key, rsa.RSAPrivateKey) else "ES256"
        headers = {"kid": self.key_id} if self.key_id else None
        return jwt.encode(claims, self.key, algorithm=alg, headers=headers)

    def _fetch(self) -> str:
        """POST the client-credentials grant and return the access token."""
        form = {
            "grant_type": "client_credentials",
            "scope": " ".join(self.scopes),
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.assertion(),
        }
        try:
            response = self.client.post(
                self.token_url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.TransportError as exc:
            raise ProviderError(f"Okta token endpoint unreachable: {type(exc).__name__}") from exc
        body = _json_or_empty(response)
        if response.status_code != 200 or "access_token" not in body:
            raise _token_error(response, body)
        self._expires = time.monotonic() + max(0, int(body.get("expires_in", 3600)) - 60)
        return str(body["access_token"])


def _token_error(response: httpx.Response, body: dict[str, Any]) -> ProviderError:
    """An OAuth error from the token endpoint, with a DPoP hint when Okta asked for one."""
    code = str(body.get("error") or body.get("errorCode") or f"HTTP {response.status_code}")
    text = str(body.get("error_description") or body.get("errorSummary") or "token request failed")
    if code in DPOP_ERRORS:
        error = ProviderAuthError(
            f"Okta requires DPoP for this service app ({text})",
            status=response.status_code,
            code=code,
        )
        error.remedy = "Switch off 'Require DPoP' on the API Services app, or use an API token."
        return error
    if response.status_code == 429 or response.status_code >= 500:
        return ProviderError(f"Okta token endpoint: {text}", status=response.status_code, code=code)
    return ProviderAuthError(f"Okta token endpoint: {text}", status=response.status_code, code=code)


def _load_key(pem: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """The service app's private key (RSA or EC, unencrypted PEM)."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError("okta private key: not an unencrypted PEM private key") from exc
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise ConfigError("okta private key: must be RSA or EC")
    return key
