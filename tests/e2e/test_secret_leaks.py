"""Secret-leak matrix: every secret the tool takes (kind) against every place text comes out.

Each kind is one real run of the installed CLI (a subprocess, at -v, traced where a browser runs)
against the fixture portal and fake Okta/Graph, with a sentinel value standing in for the secret.
Every stream and file the run produced (stdout, stderr logs, each bundle file, each trace.zip
member, the state folder) is then searched for the sentinel in every spelling it could take on
the way (as is, percent-encoded, JSON-escaped, base64 inside a Basic header).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import ssl
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fixtures.idp.control import FakeState
from fixtures.idp.graph_app import create_graph_app
from fixtures.idp.okta_app import create_okta_app
from fixtures.idp.server import ServerThread, make_tls, self_signed

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_ADMIN, TOTP_ADMIN, SSO_ADMIN = (
    "password.admin@acme.example", "security.admin@acme.example", "sso.admin@acme.example")
SENTINEL = {
    "portal_password": "SNTL-portal-pass!word-4f1c",
    "totp_seed": "SNTLTOTPSEEDQQQQQQQQQQQQ",  # base32: the portal must accept it as a seed
    "sso_password": "SNTL-sso-pass!word-4f1c",
    "api_token": "SNTL-tessian-api-token-4f1c",
    "okta_api_token": "SNTL-okta-ssws-token-4f1c",
    "entra_client_secret": "SNTL-entra-client~secret-4f1c",
    "url_password": "SNTL-url-pass!word-4f1c",
    "url_token": "SNTL-url-query-token-4f1c",
}
BUNDLE_FILES = ("report.json", "run.json", "snapshot.json", "report.html", "junit.xml",
                "summary.md", "action-plan.csv", "ocsf.json")


@dataclass
class World:
    """The sentinel tenant, its identity export, the fake providers and the generated keys."""

    tenant: Path
    export: Path
    portal_url: str
    okta_url: str
    graph_url: str
    graph_ca: str
    directory: dict[str, Any]
    okta_key_pem: str
    entra_pem: Path
    secrets: dict[str, str] = field(default_factory=dict)
    out: Path = Path()  # the --out folder of the kind being run


@dataclass
class Run:
    """What one kind's command(s) produced: streams, exit codes, and the folders they wrote."""

    codes: list[int]
    streams: dict[str, str]
    reports: Path
    state: Path
    out: Path
    keep_storage: bool = False  # the saved session (state folder, 0600) holds the cookie by design

    def outputs(self) -> dict[str, bytes]:
        """Every output, by name: streams, bundle files, trace.zip members, state files."""
        found = {name: text.encode() for name, text in self.streams.items()}
        for bundle in sorted(p for p in self.reports.glob("*/*") if p.is_dir()):
            found |= _bundle_outputs(bundle)
        for path in sorted(p for p in self.out.rglob("*") if p.is_file()):
            found[f"out/{path.relative_to(self.out)}"] = path.read_bytes()
        for path in sorted(p for p in self.state.rglob("*") if p.is_file()):
            if not (self.keep_storage and path.name.startswith("storage-")):
                found[f"state/{path.name}"] = path.read_bytes()
        return found


def _bundle_outputs(bundle: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    found[f"{path.name}/{member}"] = archive.read(member)
        else:
            found[str(path.relative_to(bundle))] = path.read_bytes()
    return found


def spellings(secret: str, user: str = "admin") -> list[bytes]:
    """The forms a secret can take in a file: as is, URL-encoded, JSON-escaped, and base64 of
    `user:secret` (a Basic header made from URL credentials)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             base64.b64encode(f"{user}:{secret}".encode()).decode()}
    return sorted(f.encode() for f in forms)


def leaked(blob: bytes, secret: str) -> bool:
    """True when any spelling of `secret` (or one line of a PEM key) is inside `blob`."""
    if "PRIVATE KEY" in secret:
        lines = [line for line in secret.splitlines() if "-----" not in line and len(line) > 20]
        return any(line.encode() in blob for line in lines)
    return any(form in blob for form in spellings(secret))


# --- the world: a tenant carrying the sentinels, fake Okta and Graph trusting them ---------------


def _sentinel_tenant(path: Path) -> Path:
    tenant = json.loads((ROOT / "fixtures" / "tenants" / "one-user.json").read_text())
    for admin in tenant["admins"]:
        if admin["email"] == PASSWORD_ADMIN:
            admin["password"] = SENTINEL["portal_password"]
        if admin["email"] == TOTP_ADMIN:
            admin["totp_secret"] = SENTINEL["totp_seed"]
        if admin["email"] == SSO_ADMIN:
            admin["sso_password"] = SENTINEL["sso_password"]
    tenant["api_tokens"][0]["token"] = SENTINEL["api_token"]
    path.write_text(json.dumps(tenant))
    return path


def _rsa_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _entra_certificate(folder: Path) -> tuple[Path, str, str]:
    key, cert = self_signed("tessian-connector", dt.timedelta(days=1))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    path = folder / "entra-cert.pem"
    path.write_text(key_pem + cert_pem)
    return path, cert_pem, key_pem


def _register(url: str, ca: str | None, client: dict[str, Any]) -> None:
    verify = ssl.create_default_context(cafile=ca) if ca else True
    httpx.post(f"{url}/__control/oauth_client", json=client, verify=verify,
               timeout=30).raise_for_status()


@pytest.fixture(scope="module")
def world(portal: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The sentinel tenant (served by the shared portal), fake Okta and Graph for its directory."""
    folder = tmp_path_factory.mktemp("secret-world")
    tenant = _sentinel_tenant(folder / "sentinel.json")
    export = folder / "identities.csv"
    subprocess.run([sys.executable, "-m", "fixtures.idp_export", "--tenant", str(tenant),
                    "--format", "csv", "--out", str(export)], cwd=ROOT, check=True, timeout=120)
    okta = ServerThread(create_okta_app(FakeState.load(tenant), control=True,
                                        api_token=SENTINEL["okta_api_token"])).start()
    tls = make_tls(folder / "tls")
    graph = ServerThread(create_graph_app(FakeState.load(tenant), control=True), tls=tls).start()
    okta_private, okta_public = _rsa_pems()
    _register(okta.url, None, {"client_id": "0oasentinel", "public_key_pem": okta_public})
    entra_pem, cert_pem, entra_key = _entra_certificate(folder)
    _register(graph.url, str(tls.cert), {"client_id": "sntl-secret-client",
                                         "client_secret": SENTINEL["entra_client_secret"]})
    _register(graph.url, str(tls.cert), {"client_id": "sntl-cert-client",
                                         "certificate_pem": cert_pem})
    directory = json.loads(tenant.read_text())["directory"]
    secrets = {**SENTINEL, "okta_private_key": okta_private, "entra_certificate_key": entra_key}
    yield World(tenant, export, portal.url, okta.url, graph.url, str(tls.cert), directory,
                okta_private, entra_pem, secrets)
    okta.stop()
    graph.stop()


# --- one run per kind --------------------------------------------------------------------------


def _cli(world: World, folder: Path, argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run `tessian-connector` as a subprocess with only the given connector settings."""
    script = Path(sys.executable).with_name("tessian-connector")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "connector.cli"]
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("TESSIAN_", "OKTA_", "ENTRA_"))}
    base["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [*command, "--state-dir", str(folder / "state"), "--reports-dir", str(folder / "reports"),
         *argv], capture_output=True, text=True, env={**base, **env}, cwd=folder, timeout=300,
        check=False)
    return done.returncode, done.stdout, done.stderr


def _portal_args(world: World, email: str = PASSWORD_ADMIN) -> list[str]:
    return ["--portal-url", world.portal_url, "--portal-email", email]


def _file_idp(world: World) -> list[str]:
    return ["--idp", "file", "--idp-file", str(world.export)]


def _okta_args(world: World) -> list[str]:
    d = world.directory
    return ["--idp", "okta", "--okta-org-url", world.okta_url,
            "--okta-app-id", d["protected_app"]["okta_id"],
            "--okta-portal-app-id", d["portal_app"]["okta_id"]]


def _entra_args(world: World) -> list[str]:
    d = world.directory
    return ["--idp", "entra", "--entra-tenant-id", "sentinel",
            "--entra-app-id", d["protected_app"]["entra_app_id"],
            "--entra-portal-app-id", d["portal_app"]["entra_app_id"],
            "--entra-graph-url", f"{world.graph_url}/v1.0",
            "--entra-authority-url", world.graph_url]


Step = tuple[list[str], dict[str, str]]
S = SENTINEL
VERIFY = ["-v", "--json-logs", "verify"]
VERIFY_PLAIN = ["-v", "verify"]  # the console renderer, not JSON lines


def _steps(kind: str, w: World) -> list[Step]:
    """The command line(s) and environment of one secret kind."""
    pw = ["--portal-password", S["portal_password"]]
    portal_pw = [*_portal_args(w), *pw]
    ssl = {"SSL_CERT_FILE": w.graph_ca}
    steps: dict[str, list[Step]] = {
        "portal_password": [([*VERIFY, *portal_pw, *_file_idp(w), "--trace"], {})],
        "portal_password_env": [([*VERIFY_PLAIN, *_portal_args(w), *_file_idp(w), "--trace"],
                                 {"TESSIAN_PORTAL_PASSWORD": S["portal_password"]})],
        "totp_seed": [([*VERIFY, *_portal_args(w, TOTP_ADMIN), "--portal-password",
                        "demo-Passw0rd!", "--totp-secret", S["totp_seed"], *_file_idp(w),
                        "--trace"], {})],
        "sso_password": [([*VERIFY, *_portal_args(w, SSO_ADMIN), "--sso", "okta",
                           "--sso-password", S["sso_password"], *_file_idp(w), "--trace"], {})],
        "api_token": [([*VERIFY, *portal_pw, "--mode", "cross-check", "--api-token",
                        S["api_token"], *_file_idp(w), "--trace"], {})],
        "okta_api_token": [([*VERIFY, *portal_pw, *_okta_args(w)],
                            {"OKTA_API_TOKEN": S["okta_api_token"]})],
        "okta_private_key": [([*VERIFY, *portal_pw, *_okta_args(w), "--okta-client-id",
                               "0oasentinel"], {"OKTA_PRIVATE_KEY": w.okta_key_pem})],
        "entra_client_secret": [([*VERIFY, *portal_pw, *_entra_args(w), "--entra-client-id",
                                  "sntl-secret-client"],
                                 {**ssl, "ENTRA_CLIENT_SECRET": S["entra_client_secret"]})],
        "entra_certificate_key": [([*VERIFY, *portal_pw, *_entra_args(w), "--entra-client-id",
                                    "sntl-cert-client", "--entra-certificate-path",
                                    str(w.entra_pem)], ssl)],
        # the saved session of a first run is reused (and traced) by the second
        "session_cookie": [([*VERIFY, *portal_pw, *_file_idp(w)], {}),
                           ([*VERIFY, *portal_pw, *_file_idp(w), "--trace"], {})],
        "wrong_password": [([*VERIFY, *_portal_args(w, TOTP_ADMIN), "--portal-password",
                             S["portal_password"], *_file_idp(w)], {})],
        "portal_url_userinfo": [([*VERIFY, "--portal-url",
                                  w.portal_url.replace("://", f"://admin:{S['url_password']}@"),
                                  "--portal-email", PASSWORD_ADMIN, *pw, *_file_idp(w)], {})],
        "portal_url_query_token": [([*VERIFY, "--portal-url",
                                     f"{w.portal_url}/?access_token={S['url_token']}",
                                     "--portal-email", PASSWORD_ADMIN, *pw, *_file_idp(w)], {})],
        "okta_org_url_userinfo": [([*VERIFY, *portal_pw, *_okta_args(w)[:2]],
                                   {"OKTA_ORG_URL": w.okta_url.replace(
                                       "://", f"://admin:{S['url_password']}@"),
                                    "OKTA_APP_ID": w.directory["protected_app"]["okta_id"],
                                    "OKTA_API_TOKEN": S["okta_api_token"]})],
        "entra_url_userinfo": [([*VERIFY, *portal_pw, *_entra_args(w)[:-2], "--entra-authority-url",
                                 w.graph_url.replace("://", f"://admin:{S['url_password']}@"),
                                 "--entra-client-id", "sntl-secret-client"],
                                {**ssl, "ENTRA_CLIENT_SECRET": S["entra_client_secret"]})],
        "misspelt_password_flag": [([*VERIFY, *_portal_args(w), "--portal-pasword",
                                     S["portal_password"], *_file_idp(w)], {})],
        "check_password": [(["-v", "--json-logs", "check", "nobody.here@acme.example",
                             "--expect", "absent", *portal_pw, "--trace"], {})],
        "doctor_password": [(["-v", "--json-logs", "doctor", *portal_pw], {})],
        "collect_password": [(["-v", "--json-logs", "collect", *portal_pw, "--mode", "cross-check",
                               "--api-token", S["api_token"], "--out",
                               str(w.out / "snapshot.json")], {})],
        "expected_okta_token": [(["-v", "--json-logs", "expected", *_okta_args(w), "--out",
                                  str(w.out / "identities.json")],
                                 {"OKTA_API_TOKEN": S["okta_api_token"]})],
        "help_with_secrets_set": [(["verify", "--help"],
                                   {"TESSIAN_PORTAL_PASSWORD": S["portal_password"],
                                    "TESSIAN_API_TOKEN": S["api_token"]})],
    }
    return steps[kind]


def _toml_steps(kind: str, w: World, folder: Path) -> list[Step]:
    """Kinds whose secret sits in a settings file (the file itself is the user's, not an output)."""
    config = folder / "settings.toml"
    if kind == "toml_url_userinfo":
        url = w.portal_url.replace("://", f"://admin:{S['url_password']}@")
        config.write_text(f'portal_url = "{url}"\nportal_email = "{PASSWORD_ADMIN}"\n')
    else:  # toml_secret_bad_type: a secret of the wrong type must not be echoed in the error
        config.write_text(f'okta_api_token = ["{S["okta_api_token"]}"]\n')
    return [([*VERIFY, "--config", str(config), *_file_idp(w)], {})]


SECRET_OF = {
    "portal_password_env": "portal_password", "session_cookie": "session_cookie",
    "wrong_password": "portal_password", "portal_url_userinfo": "url_password",
    "portal_url_query_token": "url_token", "okta_org_url_userinfo": "url_password",
    "entra_url_userinfo": "url_password", "toml_url_userinfo": "url_password",
    "toml_secret_bad_type": "okta_api_token", "misspelt_password_flag": "portal_password",
    "check_password": "portal_password", "doctor_password": "portal_password",
    "collect_password": "api_token", "expected_okta_token": "okta_api_token",
    "help_with_secrets_set": "portal_password",
}
# exit codes each kind must end with: the secret is used (0/1), refused (2), or rejected (3)
EXPECTED_CODES = {
    "wrong_password": {3}, "portal_url_userinfo": {2}, "portal_url_query_token": {2},
    "okta_org_url_userinfo": {2}, "entra_url_userinfo": {2}, "toml_url_userinfo": {2},
    "toml_secret_bad_type": {2}, "misspelt_password_flag": {2}, "help_with_secrets_set": {0},
    # the Graph fake throttles audit reads like the real one: two runs in a row may end
    # inconclusive on a 429 after signing in with the secret; the leak check still holds
    "entra_client_secret": {0, 1, 3}, "entra_certificate_key": {0, 1, 3},
}
KINDS = ("portal_password", "portal_password_env", "totp_seed", "sso_password", "api_token",
         "okta_api_token", "okta_private_key", "entra_client_secret", "entra_certificate_key",
         "session_cookie", "wrong_password", "portal_url_userinfo", "portal_url_query_token",
         "okta_org_url_userinfo", "entra_url_userinfo", "toml_url_userinfo",
         "toml_secret_bad_type", "misspelt_password_flag", "help_with_secrets_set",
         "check_password", "doctor_password", "collect_password", "expected_okta_token")
NO_BUNDLE_REPORT = {"doctor_password", "collect_password", "expected_okta_token"}
# Every kind is checked against every output. A run that is refused (exit 2, or --help)
# must write no bundle, trace or state at all; the others must write what their column names,
# except a trace, which only traced runs must keep (an absent output proves nothing).
OUTPUTS = ("stdout", "stderr", *BUNDLE_FILES, "trace.zip", "state", "other files")
STREAMS_ONLY = {k for k, codes in EXPECTED_CODES.items() if codes == {2} or codes == {0}}
TRACED = {"portal_password", "portal_password_env", "totp_seed", "sso_password", "api_token",
          "session_cookie", "check_password"}


def _cookie_of(state: Path) -> str:
    """The portal session cookie the saved session holds."""
    (storage,) = state.rglob("storage-*.json")
    cookies = json.loads(storage.read_text())["cookies"]
    return next(c["value"] for c in cookies if c["name"] == "tessian_session")


class Runs:
    """Each kind run once, on first use (the portal serves the sentinel tenant during the run)."""

    def __init__(self, world: World, portal: Any, folder: Path) -> None:
        self.world, self.portal, self.folder = world, portal, folder
        self.done: dict[str, Run | Exception] = {}

    def get(self, kind: str) -> Run:
        """The run of `kind` (made now on first use; a run that failed fails every cell)."""
        if kind not in self.done:
            try:
                self.done[kind] = self._run(kind)
            except Exception as exc:  # noqa: BLE001 - kept, so its other cells fail alike
                self.done[kind] = exc
        found = self.done[kind]
        if isinstance(found, Exception):
            raise AssertionError(f"the {kind} run failed: {found!r}")
        return found

    def _run(self, kind: str) -> Run:
        folder = self.folder / kind
        folder.mkdir()
        self.portal.control.load_tenant(str(self.world.tenant))
        self.world.out = folder / "out"
        self.world.out.mkdir()
        steps = (_toml_steps(kind, self.world, folder) if kind.startswith("toml_")
                 else _steps(kind, self.world))
        codes, streams = [], {}
        for n, (argv, env) in enumerate(steps):
            code, out, err = _cli(self.world, folder, argv, env)
            if kind == "session_cookie" and n == 0:
                self.world.secrets["session_cookie"] = _cookie_of(folder / "state")
            codes.append(code)
            streams |= {f"stdout{n or ''}": out, f"stderr{n or ''}": err}
        return Run(codes, streams, folder / "reports", folder / "state", folder / "out",
                   keep_storage=kind == "session_cookie")


@pytest.fixture(scope="module")
def runs(world: World, portal: Any, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The runs of the matrix, shared by its cells."""
    return Runs(world, portal, tmp_path_factory.mktemp("secret-runs"))


def _cells() -> list[tuple[str, str]]:
    return [(kind, output) for kind in KINDS for output in OUTPUTS]


def _must_exist(kind: str, output: str) -> bool:
    """Whether the run of `kind` must have written `output` (streams always exist)."""
    if output in ("stdout", "stderr"):
        return True
    if kind in STREAMS_ONLY:
        return False
    if output == "other files":  # doctor.json, --out files
        return kind in NO_BUNDLE_REPORT
    if output == "snapshot.json" and kind == "check_password":
        return False  # a spot check searches; it collects no snapshot
    if output == "state" and kind == "expected_okta_token":
        return False  # reading the provider keeps no session, history or lock
    if output in BUNDLE_FILES:
        return kind not in NO_BUNDLE_REPORT
    return output != "trace.zip" or kind in TRACED


def _selected(run: Run, output: str) -> dict[str, bytes]:
    """The outputs of `run` that the matrix column `output` stands for."""
    every = run.outputs()
    if output in ("stdout", "stderr"):
        return {k: v for k, v in every.items() if k.rstrip("0123456789") == output}
    if output == "trace.zip":
        return {k: v for k, v in every.items() if k.startswith("trace")}
    if output == "state":
        return {k: v for k, v in every.items() if k.startswith("state/")}
    if output == "other files":
        named = ("stdout", "stderr", "trace", "state/", *BUNDLE_FILES)
        return {k: v for k, v in every.items() if not k.startswith(named)}
    return {k: v for k, v in every.items() if k == output}


@pytest.mark.parametrize(("kind", "output"), _cells())
def test_secret_never_reaches_output(runs: Runs, world: World, kind: str, output: str) -> None:
    """The sentinel standing in for one kind of secret appears nowhere in one output of its run,
    in any spelling (and the output exists when the run must have written it)."""
    run = runs.get(kind)
    secret = world.secrets[SECRET_OF.get(kind, kind)]
    found = _selected(run, output)
    assert found or not _must_exist(kind, output), f"{kind} wrote no {output}"
    assert [name for name, blob in found.items() if leaked(blob, secret)] == []


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_ends_as_it_should(runs: Runs, kind: str) -> None:
    """Each run ends as its kind should: the secret used (exit 0/1), a credential-carrying or
    mistyped setting refused (exit 2, nothing written), or a wrong password rejected (exit 3)."""
    run = runs.get(kind)
    assert set(run.codes) <= EXPECTED_CODES.get(kind, {0, 1}), run.streams
    if kind in STREAMS_ONLY:
        assert not run.reports.exists() or not any(run.reports.rglob("*.json"))


URL_SETTING = {"portal_url_userinfo": "portal_url", "portal_url_query_token": "portal_url",
               "okta_org_url_userinfo": "okta_org_url", "entra_url_userinfo": "entra_authority_url",
               "toml_url_userinfo": "portal_url"}


@pytest.mark.parametrize("kind", sorted(URL_SETTING))
def test_credentials_in_a_url_setting_are_refused_naming_the_setting(runs: Runs, kind: str) -> None:
    """A URL setting carrying a credential is refused with exit 2 and one error line that names
    the setting and where the credential belongs instead."""
    run = runs.get(kind)
    assert run.codes == [2]
    setting = URL_SETTING[kind]
    (error,) = [line for line in run.streams["stderr"].splitlines() if line.startswith("error:")]
    assert f"setting '{setting}'" in error and "credential" in error


def test_matrix_is_at_least_as_broad_as_the_issue() -> None:
    """The matrix covers at least the issue filer's 19 checks: every kind of secret against
    every output."""
    assert len(_cells()) >= 19 and len(KINDS) >= 19

