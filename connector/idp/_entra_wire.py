"""Microsoft Graph on the wire: Retry-After, Graph error objects, the audit-log budget, and msal.

Tokens come from msal's ConfidentialClientApplication (client secret, or a certificate: a PEM file
holding the private key and certificate, or a .pfx). msal's HTTP goes through the same httpx
transport and CA bundle as Graph calls, so a test (or a TLS-inspecting proxy) can trust its own CA.
A non-default authority (a national cloud, a test server) turns off msal's instance discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msal
from msal.exceptions import MsalError

from connector.errors import ConfigError, ProviderAuthError, ProviderError
from connector.idp._http import SlidingWindow, auth_error, retry_after_seconds

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


class GraphVendor:
    """Graph's throttling (Retry-After), error objects and the 5-per-10-seconds report budget."""

    name = "Microsoft Graph"

    def __init__(self, audit_window: SlidingWindow | None = None) -> None:
        self.audit_window = audit_window or SlidingWindow(limit=5, window_s=10.0)

    def throttle_wait(self, response: httpx.Response) -> float | None:
        """429 and 503 say how long in Retry-After (seconds or an HTTP date)."""
        return retry_after_seconds(response)

    def pause_after(self, response: httpx.Response) -> float:
        """Graph gives no remaining-budget header worth acting on."""
        return 0.0

    def to_error(self, response: httpx.Response) -> ProviderError:
        """Map `{"error": {"code", "message", "innerError": {"request-id"}}}`."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        inner = error.get("innerError") or error.get("innererror") or {}
        rid = inner.get("request-id") or response.headers.get("request-id")
        message = str(error.get("message") or f"HTTP {response.status_code}")
        path = response.request.url.path if response.request else ""
        return auth_error("Microsoft Graph", response, error.get("code"), rid, f"{path}: {message}")

    def before_request(self, url: str) -> None:
        """Audit and provisioning logs allow 5 requests per 10 seconds per app and tenant."""
        if "/auditLogs/" in url:
            self.audit_window.acquire()


class MsalHttp:
    """The requests-like client msal expects, backed by httpx (same transport and CA bundle)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def get(
        self, url: str, params: Any = None, headers: Any = None, **kwargs: Any
    ) -> httpx.Response:
        return self.client.get(url, params=params, headers=headers)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> httpx.Response:
        if isinstance(data, str | bytes):
            return self.client.post(url, params=params, content=data, headers=headers)
        # msal hands over the client assertion as bytes; httpx would form-encode "b'...'"
        form = {k: v.decode() if isinstance(v, bytes) else v for k, v in (data or {}).items()}
        return self.client.post(url, params=params, data=form, headers=headers)

    def close(self) -> None:
        self.client.close()


def credential(secret: str | None, certificate_path: str | None, password: str | None) -> Any:
    """msal's client_credential: a secret, or a certificate (PEM with key + cert, or .pfx)."""
    if secret:
        return secret
    if not certificate_path:
        raise ConfigError("entra: set ENTRA_CLIENT_SECRET or a certificate path")
    path = Path(certificate_path)
    if path.suffix.lower() in (".pfx", ".p12"):
        return {"private_key_pfx_path": str(path), "passphrase": password}
    try:
        pem = path.read_text()
    except OSError as exc:
        raise ConfigError(f"entra certificate {path}: cannot read ({exc.strerror})") from exc
    if "PRIVATE KEY" not in pem or "CERTIFICATE" not in pem:
        raise ConfigError(
            f"entra certificate {path}: needs the private key and the certificate (PEM)"
        )
    return {"private_key": pem, "public_certificate": pem, "passphrase": password}


class MsalAuthorizer:
    """Bearer headers from msal's client-credentials flow (msal caches the token)."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        cred: Any,
        *,
        authority_url: str,
        scope: str,
        client: httpx.Client,
    ) -> None:
        self.http = MsalHttp(client)
        self.scope, self.app = scope, None
        self._make: Callable[[], msal.ConfidentialClientApplication] = lambda: (
            msal.ConfidentialClientApplication(
                client_id,
                client_credential=cred,
                authority=f"{authority_url.rstrip('/')}/{tenant_id}",
                http_client=self.http,
                validate_authority=authority_url.rstrip("/") == DEFAULT_AUTHORITY,
                instance_discovery=None
                if authority_url.rstrip("/") == DEFAULT_AUTHORITY
                else False,
            )
        )

    def __call__(self, refresh: bool) -> dict[str, str]:
        """Authorization header; after a 401 the cached token is dropped and a new one fetched."""
        try:
            if self.app is None:
                self.app = self._make()
            elif refresh:
                self.app.remove_tokens_for_client()
            result = self.app.acquire_token_for_client(scopes=[self.scope])
        except (ValueError, RuntimeError, httpx.HTTPError, MsalError) as exc:
            raise ProviderError(
                f"Microsoft identity platform: {type(exc).__name__}: {exc}"
            ) from exc
        if "access_token" not in result:
            raise _token_error(result)
        return {"Authorization": f"Bearer {result['access_token']}"}

    def close(self) -> None:
        self.http.close()


def _token_error(result: dict[str, Any]) -> ProviderError:
    """An msal error result (AADSTS code kept)."""
    description = str(result.get("error_description") or "token request failed").splitlines()[0]
    codes = result.get("error_codes") or []
    code = f"AADSTS{codes[0]}" if codes else str(result.get("error"))
    return ProviderAuthError(
        f"Microsoft identity platform: {description}",
        code=code,
        request_id=result.get("correlation_id"),
    )
