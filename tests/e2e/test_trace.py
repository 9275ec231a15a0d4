"""Tracing "on-failure" (verify's default): trace.zip stays in the bundle only when the run is
inconclusive (or with --trace), holds no secret, and a discarded trace leaves the session alive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.flows_session.test_secrets import leaks, unzipped

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _verify(cli: Any, demo_args: Any, *extra: str) -> Any:
    return cli(*demo_args.global_args, "verify", *demo_args.verify, *extra)


def _traces(bundle: Path) -> list[str]:
    return sorted(p.name for p in bundle.glob("trace*.zip"))


def _secrets(h: Any) -> list[str]:
    """Every password, TOTP seed and API token of the demo tenant."""
    tenant = json.loads((h.root / "fixtures" / "tenants" / "demo.json").read_text())
    values = [v for a in tenant["admins"] for v in (a.get("password"), a.get("totp_secret"),
                                                     a.get("sso_password"))]
    values += [t["token"] for t in tenant.get("api_tokens", [])]
    return sorted({v for v in values if v})


def _signed_out(portal: Any) -> bool:
    return any(r["path"] == "/login/sign-out" for r in portal.control.requests())


def _sign_in_requests(portal: Any) -> int:
    return sum(r["path"].startswith("/login") for r in portal.control.requests())


def test_inconclusive_run_keeps_a_trace_without_secrets(
    cli: Any, demo_args: Any, portal: Any, h: Any
) -> None:
    """A changed layout (inconclusive) leaves trace.zip by default: it shows the pages read, holds
    no password, seed or token, and the traced session was signed out."""
    portal.control.faults(layout="renamed_column")
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    bundle = result.bundle()
    assert _traces(bundle) == ["trace.zip"]
    blob = unzipped(bundle / "trace.zip")
    assert b"User Monitoring" in blob  # the trace recorded the read
    assert leaks(blob, _secrets(h)) == []
    assert _signed_out(portal)
    assert f"playwright show-trace {bundle / 'trace.zip'}" in result.out
    assert json.loads((bundle / "run.json").read_text())["trace"] is True


def test_drift_run_discards_its_trace_and_keeps_the_session(
    cli: Any, demo_args: Any, portal: Any
) -> None:
    """A conclusive run (drift) keeps no trace, is not signed out, and the next run reuses the
    saved session instead of signing in again."""
    first = _verify(cli, demo_args)
    assert first.code == 1, first.err[-1500:]
    assert _traces(first.bundle()) == []
    assert "show-trace" not in first.out
    assert json.loads((first.bundle() / "run.json").read_text())["trace"] is False
    assert not _signed_out(portal)
    sign_ins = _sign_in_requests(portal)
    second = _verify(cli, demo_args)
    assert second.code == 1, second.err[-1500:]
    assert _sign_in_requests(portal) == sign_ins  # the saved session was reused


def test_trace_flag_keeps_the_trace_of_a_drift_run(cli: Any, demo_args: Any) -> None:
    """--trace keeps trace.zip whatever the verdict."""
    result = _verify(cli, demo_args, "--trace")
    assert result.code == 1, result.err[-1500:]
    assert _traces(result.bundle()) == ["trace.zip"]


def test_tracing_off_records_nothing_even_when_inconclusive(
    cli: Any, demo_args: Any, portal: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TESSIAN_BROWSER_TRACE=off: no trace, even for an inconclusive run."""
    monkeypatch.setenv("TESSIAN_BROWSER_TRACE", "off")
    portal.control.faults(layout="renamed_column")
    result = _verify(cli, demo_args)
    assert result.code == 3, result.err[-1500:]
    assert _traces(result.bundle()) == []


def test_check_keeps_a_trace_only_when_it_cannot_judge(
    cli: Any, demo_args: Any, portal: Any
) -> None:
    """`check` traces on failure too: a conclusive spot check leaves no trace; one whose search
    page has no table (inconclusive, exit 3) leaves trace.zip."""
    args = (*demo_args.global_args, "check", "nobody.here@acme.example", "--expect", "absent",
            *demo_args.portal)
    clean = cli(*args)
    assert clean.code == 0, clean.err[-1500:]
    assert _traces(clean.bundle()) == []
    portal.control.faults(layout="table_missing")
    broken = cli(*args)
    assert broken.code == 3, broken.out + broken.err[-1500:]
    assert _traces(broken.bundle()) == ["trace.zip"]
    assert "playwright show-trace" in broken.out
