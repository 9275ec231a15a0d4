"""Secrets (password, TOTP seed, API tokens) never reach traces, logs or the state folder; a traced
session is signed out; and portal_session finds and launches its own Chromium when given none."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from flows.browser import BrowserOptions

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def secrets_of(creds: Any, tenant: dict[str, Any]) -> list[str]:
    """Every secret the tests know: admin passwords, seeds, SSO passwords, API token values."""
    values = [creds.password, creds.totp_secret, creds.sso_password]
    for a in tenant["admins"]:
        values += [a.get("password"), a.get("totp_secret"), a.get("sso_password")]
    values += [t["token"] for t in tenant.get("api_tokens", [])]
    return sorted({v for v in values if v})


def unzipped(path: Path) -> bytes:
    """All members of a trace zip, decompressed and concatenated (a zip hides plain text)."""
    with zipfile.ZipFile(path) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def leaks(blob: bytes, secrets: list[str]) -> list[str]:
    """The secrets found in `blob` (as written, or JSON/URL-escaped variants)."""
    return [s for s in secrets if s.encode() in blob or s.replace("!", "%21").encode() in blob]


def test_traced_session_holds_no_secrets_and_is_signed_out(
    open_session: Any,
    creds: Any,
    tenant: dict[str, Any],
    tenant_portal: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A traced run with a re-sign-in mid-run: trace parts, logs and state hold no secret; the
    trace is not empty; the session is signed out and its storage file removed at the end."""
    caplog.set_level(logging.DEBUG)
    c = creds("password")
    trace = tmp_path / "evidence" / "trace.zip"
    options = BrowserOptions(timeout_ms=10_000, trace_path=trace)
    with open_session(c, options=options, evidence_dir=tmp_path / "evidence") as s:
        s.goto("/0/admin/integrations/api/tokens")
        s.page.wait_for_load_state("networkidle")  # the table's data call has answered
        tenant_portal.control.expire_sessions()
        s.goto("/0/admin/portal-users")  # signs in again: tracing must pause around it
        state_file = s.state_file
        assert s.re_sign_ins == 1
    parts = sorted(trace.parent.glob("trace*.zip"))
    assert trace in parts and len(parts) == 2  # one part before the re-sign-in, then the rest
    blob = b"".join(unzipped(p) for p in parts)
    assert b"API Tokens" in blob and b"Portal Users" in blob  # the grep sees the pages
    secrets = secrets_of(c, tenant)
    assert leaks(blob, secrets) == []
    assert leaks(caplog.text.encode(), secrets) == []
    for f in (tmp_path / "state").rglob("*"):
        assert f.is_dir() or leaks(f.read_bytes(), secrets) == []
    assert not state_file.exists()
    assert any(r["path"] == "/login/sign-out" for r in tenant_portal.control.requests())


def test_totp_sign_in_leaves_no_seed_or_password_in_logs_or_state(
    open_session: Any,
    creds: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a password + TOTP sign-in, neither the logs nor the state folder hold a secret."""
    caplog.set_level(logging.DEBUG)
    c = creds("totp")
    with open_session(c):
        pass
    secrets = secrets_of(c, tenant)
    assert leaks(caplog.text.encode(), secrets) == []
    files = [f for f in (tmp_path / "state").rglob("*") if f.is_file()]
    assert {f.name.split("-")[0] for f in files} == {"storage", "totp"}
    assert all(leaks(f.read_bytes(), secrets) == [] for f in files)


SCRIPT = """
import sys
from pathlib import Path
from flows.browser import BrowserOptions
from flows.session import portal_session
from flows.sign_in import Credentials
creds = Credentials(email=sys.argv[2], password=sys.argv[3])
with portal_session(sys.argv[1], creds, options=BrowserOptions(timeout_ms=10_000),
                    state_dir=Path(sys.argv[4])) as s:
    print("signed-in", s.sign_in_count, s.page.url)
"""


def test_portal_session_launches_its_own_chromium(
    creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """Without a shared browser, portal_session finds Chromium itself and signs in (run in a
    child process: one thread may hold only one Playwright)."""
    c = creds("password")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, tenant_portal.url, c.email, c.password, str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("signed-in 1 ") and "/0/dashboard" in done.stdout


def test_discarded_trace_leaves_no_file_and_keeps_the_session(
    open_session: Any, creds: Any, tenant_portal: Any, tmp_path: Path
) -> None:
    """A traced session whose caller sets keep_trace=False (tracing "on-failure", nothing failed)
    writes no trace or part, is not signed out, and keeps its saved session for the next run."""
    trace = tmp_path / "evidence" / "trace.zip"
    options = BrowserOptions(timeout_ms=10_000, trace_path=trace)
    with open_session(creds("password"), options=options, evidence_dir=tmp_path / "evidence") as s:
        s.goto("/0/admin/portal-users")
        tenant_portal.control.expire_sessions()
        s.goto("/0/admin/groups")  # a re-sign-in: a part is saved, and must go too
        assert s.re_sign_ins == 1
        s.keep_trace = False
        state_file = s.state_file
    assert list(trace.parent.glob("trace*.zip")) == []
    assert not any(r["path"] == "/login/sign-out" for r in tenant_portal.control.requests())
    assert state_file.exists()
