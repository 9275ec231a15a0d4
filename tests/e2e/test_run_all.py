"""`run-all` end to end: every tenant of a TOML file as its own verify run against fixture portals.

One run covers four outcomes at once (verified, drift, inconclusive, config error) and the
aggregate exit code; one run is stopped with SIGTERM; the usage errors are refused before any
tenant runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from connector.lock import tenant_lock

pytestmark = pytest.mark.e2e

WRONG_PASSWORD = "wrong-Passw0rd-9!"


def _tenant(name: str, url: str, email: str | None, password: str | None, export: Path) -> str:
    portal = f'[tenants.{name}.portal]\nemail = "{email}"\npassword = "{password}"\n' if email else ""
    return (f'[tenants.{name}]\nportal_url = "{url}"\n{portal}'
            f'[tenants.{name}.idp]\nfile = "{export}"\n')


@pytest.fixture
def one_user_export(tmp_path: Path, h: Any) -> Path:
    """The identity export of the one-user tenant (it verifies clean)."""
    out = tmp_path / "one-user.csv"
    subprocess.run([sys.executable, "-m", "fixtures.idp_export", "--tenant", "one-user",
                    "--format", "csv", "--out", str(out)], cwd=h.root, check=True, timeout=120)
    return out


def test_four_tenants_four_outcomes_and_the_worst_exit_code(
    cli: Any, tmp_path: Path, portal: Any, portal_factory: Any, demo_export: Path,
    one_user_export: Path,
) -> None:
    """Each tenant gets its own verdict, exit code and bundle; a config error makes the run exit
    2 without stopping the others, and no password reaches the output or run-all.json."""
    clean = portal_factory("one-user")
    config = tmp_path / "tenants.toml"
    config.write_text(
        _tenant("alpha", clean.url, "password.admin@acme.example", "plain-Passw0rd!",
                one_user_export)
        + _tenant("bravo", portal.url, "password.admin@acme.example", "plain-Passw0rd!",
                  demo_export)
        + _tenant("charlie", portal.url, "security.admin@acme.example", WRONG_PASSWORD,
                  demo_export)
        + _tenant("delta", portal.url, None, None, demo_export))
    result = cli("run-all", "--config", str(config), "--parallel", "2")
    assert result.code == 2, result.err
    doc = json.loads((tmp_path / "reports" / "run-all.json").read_text())
    got = {t["tenant"]: (t["verdict"], t["exit_code"]) for t in doc["tenants"]}
    assert got == {"alpha": ("verified", 0), "bravo": ("drift", 1),
                   "charlie": ("inconclusive", 3), "delta": ("config_error", 2)}
    assert doc["exit_code"] == 2 and doc["parallel"] == 2
    by_name = {t["tenant"]: t for t in doc["tenants"]}
    for name in ("alpha", "bravo"):
        report = json.loads((Path(by_name[name]["bundle"]) / "report.json").read_text())
        assert report["run"]["tenant"] == name
        assert by_name[name]["findings"] == sum(f["outcome"] != "in_sync"
                                                for f in report["findings"])
    assert by_name["bravo"]["findings"] > 0 and by_name["alpha"]["findings"] == 0
    assert "portal sign-in email" in by_name["delta"]["message"]
    assert by_name["charlie"]["message"]
    rows = [line.split()[:3] for line in result.out.splitlines()[1:5]]
    assert rows == [["alpha", "verified", "0"], ["bravo", "drift", "1"],
                    ["charlie", "inconclusive", "3"], ["delta", "config_error", "2"]]
    for text in (result.out, result.err, json.dumps(doc)):
        assert WRONG_PASSWORD not in text and "plain-Passw0rd!" not in text


def test_sigterm_stops_the_children_and_exits_143(
    tmp_path: Path, portal: Any, demo_export: Path, h: Any,
) -> None:
    """SIGTERM to run-all reaches the running tenant: it stops, its lock is free, its bundle
    says 143, the not-started tenant is not_run, and run-all.json is written; exit 143."""
    config = tmp_path / "tenants.toml"
    config.write_text(
        _tenant("bravo", portal.url, "password.admin@acme.example", "plain-Passw0rd!", demo_export)
        + _tenant("zulu", portal.url, "password.admin@acme.example", "plain-Passw0rd!",
                  demo_export))
    argv = [*h.console_script(), "--state-dir", str(tmp_path / ".state"), "--reports-dir",
            str(tmp_path / "reports"), "run-all", "--config", str(config)]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=h.clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    bundles = tmp_path / "reports" / "bravo"
    deadline = time.monotonic() + 90
    while not any(bundles.glob("*/evidence")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    time.sleep(1.5)  # into the sign-in and portal read, as test_concurrency's verify test does
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 143, (out, err)
    doc = json.loads((tmp_path / "reports" / "run-all.json").read_text())
    assert [(t["tenant"], t["verdict"], t["exit_code"]) for t in doc["tenants"]] == [
        ("bravo", "terminated", 143), ("zulu", "not_run", None)]
    assert doc["exit_code"] == 143 and doc["stopped"] == "terminated"
    (bundle,) = bundles.iterdir()
    assert json.loads((bundle / "run.json").read_text())["exit_code"] == 143
    with tenant_lock(tmp_path / ".state", "bravo"):  # the child is gone: the lock is free
        pass


@pytest.mark.parametrize(("argv", "named"), [
    (["--shard", "2/2"], "--shard"),
    (["--shard", "x"], "--shard"),
    (["--parallel", "0"], "--parallel"),
    (["--tenants", "nobody"], "--tenants"),
    (["--tenant", "a"], "--tenants A,B instead of --tenant"),
])
def test_bad_run_all_input_is_one_error_before_anything_runs(
    cli: Any, tmp_path: Path, argv: list[str], named: str,
) -> None:
    """A bad flag is exit 2 with one error line naming it; no tenant runs, nothing is written."""
    config = tmp_path / "t.toml"
    config.write_text('[tenants.a]\nportal_url = "http://127.0.0.1:9"\n')
    result = cli("run-all", "--config", str(config), *argv)
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert result.code == 2 and len(errors) == 1 and named in errors[0], result.err
    assert not (tmp_path / "reports").exists()


def test_a_bad_toml_file_is_exit_2_naming_the_line(cli: Any, tmp_path: Path) -> None:
    """An invalid settings file stops run-all before any tenant: exit 2, FILE:LINE named."""
    config = tmp_path / "t.toml"
    config.write_text('[tenants.a]\nportal_url = "http://x"\n[tenants.b\n')
    result = cli("run-all", "--config", str(config))
    assert result.code == 2 and f"{config}:3: invalid TOML" in result.err
    assert not (tmp_path / "reports").exists()


def test_an_empty_shard_is_exit_0_and_says_so(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More shards than tenants (TESSIAN_SHARD here): the empty shard says so, exits 0 and
    writes its own run-all file listing no tenants."""
    config = tmp_path / "t.toml"
    config.write_text('[tenants.a]\nportal_url = "http://127.0.0.1:9"\n')
    monkeypatch.setenv("TESSIAN_SHARD", "1/2")
    result = cli("run-all", "--config", str(config))
    assert result.code == 0 and "shard 1/2 has no tenants" in result.err
    doc = json.loads((tmp_path / "reports" / "run-all-1-of-2.json").read_text())
    assert doc["tenants"] == [] and doc["shard"] == "1/2" and doc["exit_code"] == 0
