"""`demo`: the whole product on the fixtures, with no account anywhere.

Starts the fixture portal (and, for `--idp okta|entra`, the fake provider) as subprocesses,
writes the demo identity export, and runs `verify` with the demo policy and demo admin. The
demo tenant has drift on purpose, so the demo exits 1.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from connector.commands.context import BrowserWiring, IdpWiring, PortalWiring, Wiring
from connector.commands.fixture_procs import fixture_server, run_fixture_tool, source_root
from connector.commands.verify import run_verify
from connector.errors import ConfigError
from connector.logging import configure_logging
from connector.models import Policy

TENANT = "demo"
ADMIN_EMAIL = "security.admin@acme.example"
ADMIN_PASSWORD = "demo-Passw0rd!"
ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
API_TOKEN = "demo-api-token-0123456789"
# What the fake providers accept (fixtures/idp/__main__.py): any SSWS token; any client + secret.
FAKE_OKTA_TOKEN = "demo-okta-token"
FAKE_ENTRA = {"tenant_id": "demo", "client_id": "demo-client", "client_secret": "demo-secret"}
PROVIDER_FAKE = {"okta": "okta", "entra": "graph"}


def execute(args: argparse.Namespace) -> int:
    """Run the demo; exits with verify's code (1: the demo tenant has drift)."""
    redactor = configure_logging(verbose=bool(getattr(args, "verbose", False)),
                                 json_logs=True if getattr(args, "json_logs", False) else None)
    redactor.add([ADMIN_PASSWORD, ADMIN_TOTP, API_TOKEN, FAKE_OKTA_TOKEN,
                  FAKE_ENTRA["client_secret"]])
    root = source_root()
    # Absolute: the fixture tools run in the checkout, not in the caller's working folder.
    state = Path(getattr(args, "state_dir", None) or ".state").resolve()
    reports = Path(getattr(args, "reports_dir", None) or "reports").resolve()
    logs = state / "demo"
    with ExitStack() as stack:
        portal_url = stack.enter_context(fixture_server(
            root, ["fixtures.portal", "--port", "0", "--tenant", TENANT, "--control"],
            logs / "portal.log"))[0]
        idp = _identity_source(stack, root, args.idp, logs)
        w = Wiring(tenant=TENANT, portal=_portal(portal_url, args.mode),
                   browser=BrowserWiring(headed=bool(args.headed)), idp=idp,
                   policy=demo_policy(root), state_dir=state, reports_dir=reports,
                   redactor=redactor)
        return run_verify(w, run_type="demo", command="demo")
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack does not swallow


def _portal(url: str, mode: str) -> PortalWiring:
    return PortalWiring(url=url, email=ADMIN_EMAIL, password=SecretStr(ADMIN_PASSWORD),
                        totp_secret=SecretStr(ADMIN_TOTP), api_token=SecretStr(API_TOKEN),
                        mode=mode)  # type: ignore[arg-type]


def _identity_source(stack: ExitStack, root: Path, kind: str, logs: Path) -> IdpWiring:
    if kind == "file":
        export = logs / "identities.csv"
        run_fixture_tool(root, ["fixtures.idp_export", "--tenant", TENANT, "--format", "csv",
                                "--out", str(export)], logs / "idp_export.log")
        return IdpWiring(kind="file", file=export)
    # The Graph fake serves TLS with its own CA and prints `ca=<path>` as its second line.
    lines = 2 if kind == "entra" else 1
    printed = stack.enter_context(fixture_server(
        root, ["fixtures.idp", PROVIDER_FAKE[kind], "--port", "0", "--tenant", TENANT],
        logs / f"{kind}.log", lines=lines))
    url, directory = printed[0], _demo_directory(root)
    if kind == "okta":
        return IdpWiring(kind="okta", okta={
            "org_url": url, "app_id": directory["protected_app"]["okta_id"],
            "portal_app_id": directory["portal_app"]["okta_id"],
            "api_token": SecretStr(FAKE_OKTA_TOKEN)})
    return IdpWiring(kind="entra", entra={
        **FAKE_ENTRA, "client_secret": SecretStr(FAKE_ENTRA["client_secret"]),
        "app_id": directory["protected_app"]["entra_app_id"],
        "portal_app_id": directory["portal_app"]["entra_app_id"],
        "graph_url": f"{url}/v1.0", "authority_url": url,
        "ca_bundle": printed[1].removeprefix("ca=")})


def _demo_directory(root: Path) -> dict[str, Any]:
    data = json.loads((root / "fixtures" / "tenants" / f"{TENANT}.json").read_text("utf-8"))
    directory: dict[str, Any] = data["directory"]
    return directory


def demo_policy(root: Path) -> Policy:
    """The demo policy (fixtures/demo/policy.toml), validated as a Policy."""
    path = root / "fixtures" / "demo" / "policy.toml"
    try:
        return Policy.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a usable demo policy: {exc}") from exc
