"""Fixtures for the public-API tests: the reference specs, an OpenAPI validator, and a client that
validates every response it receives against the spec before a test sees it.

The specs are read from `<repo>/../shared/reference` (CI has `shared/` beside the checkout); when
they are absent the tests that need them skip, loudly, naming the path they looked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

REPO = Path(__file__).resolve().parents[3]
REFERENCE = (REPO / ".." / "shared" / "reference").resolve()
MAIN_SPEC, AUDITS_SPEC = "tessian-api-openapi.yml", "tessian-audits-api-openapi.yml"
# The spec's own server: requests are validated as if sent there (the fixture runs on 127.0.0.1).
SPEC_SERVER = "https://your-domain.tessian-platform.com"
DEMO_TOKEN = "demo-api-token-0123456789"


class SpecValidator:
    """Validates real HTTP exchanges against the two reference OpenAPI documents."""

    def __init__(self, reference: Path) -> None:
        self.main = OpenAPI.from_file_path(str(reference / MAIN_SPEC))
        self.audits = OpenAPI.from_file_path(str(reference / AUDITS_SPEC))

    def spec_for(self, path: str) -> OpenAPI:
        return self.audits if path.startswith("/api/v1/audits") else self.main

    def validate(self, response: httpx.Response) -> None:
        """Raise openapi-core's validation error unless the response matches the spec."""
        request = response.request
        mock_request = MockRequest(SPEC_SERVER, request.method.lower(), request.url.path,
                                   args=dict(request.url.params))
        content_type = response.headers.get("content-type", "").split(";")[0]
        mock_response = MockResponse(response.content, status_code=response.status_code,
                                     content_type=content_type, headers=dict(response.headers))
        self.spec_for(request.url.path).validate_response(mock_request, mock_response)


class ApiClient:
    """An HTTP client of the fixture's API that validates every response against the spec."""

    def __init__(self, base_url: str, validator: SpecValidator, token: str = DEMO_TOKEN) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.validator, self.token = validator, token
        self.seen = 0  # responses validated, so a test can prove it validated what it read

    def request(self, method: str, path: str, *, token: str | None = "default",
                headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None and "Authorization" not in sent:
            sent["Authorization"] = f"API-Token {self.token if token == 'default' else token}"
        response = self.http.request(method, path, params=params, headers=sent)
        self.validator.validate(response)
        self.seen += 1
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every page of a listing, following checkpoints until additional_results is false."""
        pages: list[dict[str, Any]] = []
        while True:
            response = self.get(path, **params)
            assert response.status_code == 200, response.text
            pages.append(response.json())
            if not pages[-1]["additional_results"]:
                return pages
            assert len(pages) < 500, "pagination never ended"
            params = {**params, "after_checkpoint": pages[-1]["checkpoint"]}


@pytest.fixture(scope="session")
def spec_validator() -> SpecValidator:
    """The reference specs, loaded once; skips loudly when ../shared/reference is missing."""
    if not (REFERENCE / MAIN_SPEC).is_file() or not (REFERENCE / AUDITS_SPEC).is_file():
        pytest.skip(f"REFERENCE SPECS MISSING: expected {REFERENCE}/{MAIN_SPEC} and {AUDITS_SPEC} "
                    "(CI must check out shared/ beside the repository)")
    return SpecValidator(REFERENCE)


@pytest.fixture()
def api(portal: Any, spec_validator: SpecValidator) -> Iterator[ApiClient]:
    """A validating client of the running fixture portal on the demo tenant (reset afterwards)."""
    if portal.control.state()["scenario"] != "demo":  # the session may start elsewhere
        portal.control.load_tenant("demo")
    client = ApiClient(portal.url, spec_validator)
    yield client
    client.http.close()
