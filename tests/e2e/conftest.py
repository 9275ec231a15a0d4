"""End-to-end helpers: run `tessian-connector` in-process (or as a subprocess) against the fixtures.

Every test runs in its own working folder with the connector's environment variables cleared, so
nothing leaks from the developer's shell or from another test. The demo identity export is made
once per session; the demo policy (fixtures/demo/policy.toml) is the settings file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO_POLICY = ROOT / "fixtures" / "demo" / "policy.toml"
DEMO_TENANT = ROOT / "fixtures" / "tenants" / "demo.json"
ADMIN = ("security.admin@acme.example", "demo-Passw0rd!", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
PASSWORD_ADMIN = ("password.admin@acme.example", "plain-Passw0rd!")
CONNECTOR_ENV = ("TESSIAN_", "OKTA_", "ENTRA_")


@dataclass(frozen=True)
class Result:
    """What one command run produced."""

    code: int
    out: str
    err: str

    def bundle(self) -> Path:
        """The bundle folder a run printed (the parent of the report.html path, printed first)."""
        first = self.out.strip().splitlines()[0]
        assert first.endswith("report.html"), self.out
        return Path(first).parent

    def report(self) -> dict[str, Any]:
        """The run's report.json."""
        return json.loads((self.bundle() / "report.json").read_text())


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh working folder and no connector settings from the environment."""
    for key in list(os.environ):
        if key.startswith(CONNECTOR_ENV) and not key.startswith("TESSIAN_FIXTURE"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Any:
    """Run the command line in-process with this test's state and reports folders."""

    def run(*argv: str, state: Path | None = None) -> Result:
        capsys.readouterr()  # drop output from before
        base = ["--state-dir", str(state or tmp_path / ".state"),
                "--reports-dir", str(tmp_path / "reports")]
        code = main([*base, *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo identity export (CSV), written by the fixtures' export tool."""
    out = tmp_path_factory.mktemp("export") / "identities.csv"
    subprocess.run([sys.executable, "-m", "fixtures.idp_export", "--tenant", "demo", "--format",
                    "csv", "--out", str(out)], cwd=ROOT, check=True, timeout=120)
    return out


@pytest.fixture(scope="session")
def demo_config() -> Path:
    """The demo policy itself, used as the settings file (its inline [[exceptions]] included)."""
    return DEMO_POLICY


@dataclass(frozen=True)
class DemoArgs:
    """Options for the demo tenant on the shared portal: global, portal sign-in, identity source."""

    global_args: list[str]
    portal: list[str]
    idp: list[str]

    @property
    def verify(self) -> list[str]:
        """The options of `verify` (portal + identity source)."""
        return [*self.portal, *self.idp]


@pytest.fixture
def demo_args(portal: Any, demo_export: Path, demo_config: Path) -> DemoArgs:
    """The demo tenant with the password-only admin: no two-factor window to wait for between
    sign-ins (the demo itself, run as a subprocess, covers password + TOTP)."""
    return DemoArgs(
        ["--config", str(demo_config), "--tenant", "demo"],
        ["--portal-url", portal.url, "--portal-email", PASSWORD_ADMIN[0], "--portal-password",
         PASSWORD_ADMIN[1]],
        ["--idp", "file", "--idp-file", str(demo_export)])


def expected_findings() -> set[tuple[str, str, str | None]]:
    """(outcome, subject, surface) of every finding the demo tenant file promises."""
    data = json.loads(DEMO_TENANT.read_text())
    return {(f["outcome"], f["subject"], f.get("surface")) for f in data["expected_findings"]
            if f["outcome"] != "in_sync"}


def found_findings(report: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """(outcome, subject, surface) of a report's findings, in_sync left out."""
    return {(f["outcome"], f["subject"], f.get("surface")) for f in report["findings"]
            if f["outcome"] != "in_sync"}


def console_script() -> list[str]:
    """The installed `tessian-connector` script next to this Python, else `python -m connector.cli`
    (the same `run()` entry point, for a checkout that was not pip-installed)."""
    script = Path(sys.executable).with_name("tessian-connector")
    return [str(script)] if script.exists() else [sys.executable, "-m", "connector.cli"]


@dataclass(frozen=True)
class Helpers:
    """Module-level helpers handed to tests as a fixture (test modules cannot import conftest)."""

    root: Path = ROOT
    admin: tuple[str, str, str] = ADMIN

    expected_findings = staticmethod(expected_findings)
    found_findings = staticmethod(found_findings)
    console_script = staticmethod(console_script)

    @staticmethod
    def clean_env() -> dict[str, str]:
        """os.environ without connector settings, with the checkout importable."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(CONNECTOR_ENV)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        return env


@pytest.fixture(scope="session")
def h() -> Helpers:
    """The e2e helpers."""
    return Helpers()
