"""Runs at the same time: real processes sharing one state folder, history store and reports folder.

Runs for one tenant never overlap (the second is refused, naming the first); runs for different
tenants do not disturb each other; readers never see half a file; a killed or terminated run
leaves its lock free and no bundle that claims a verdict it never delivered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.bundle import BUNDLE_NAME, create_bundle, write_run_meta
from connector.history import History
from connector.lock import lock_path
from connector.models import RunInfo

pytestmark = pytest.mark.e2e

HELPER = r'''
import json, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path

def report(tag, i, tenant):
    from connector.models import (Collection, HistoryContext, IdentitySource, Policy, RunInfo,
                                  Snapshot)
    from connector.reconcile import evaluate
    now = datetime.now(UTC)
    run = RunInfo(run_id=f"{tag}-{i}", tool_version="t", tenant=tenant, portal_host="p.test",
                  started_at=now, finished_at=now)
    source = IdentitySource(kind="file", location="x", complete=True, identities=())
    coll = Collection(surface="user_monitoring", source="dom", complete=True, read_count=0,
                      expected_count=0)
    snap = Snapshot(run=run, collections=(coll,), identity_source=source, history=HistoryContext())
    return snap, evaluate(snap, Policy())

action, args = sys.argv[1], sys.argv[2:]
if action == "hold-lock":  # STATE TENANT RUN_ID: hold until stdin closes
    from connector.lock import tenant_lock
    with tenant_lock(Path(args[0]), args[1], run_id=args[2]):
        print("locked", flush=True)
        sys.stdin.read()
elif action == "write-history":  # DB TENANT TAG N
    from connector.history import History
    history = History(Path(args[0]))
    for i in range(int(args[3])):
        history.record(report(args[2], i, args[1])[1])
    print("done", flush=True)
elif action == "write-bundles":  # REPORTS TENANT N: bundles started in one and the same second
    from connector.bundle import create_bundle, new_run_id, write_run_meta
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for i in range(int(args[2])):
        run_id = new_run_id()
        bundle = create_bundle(Path(args[0]), args[1], started, run_id)
        from connector.models import RunInfo
        info = RunInfo(run_id=run_id, tool_version="t", tenant=args[1], portal_host="p",
                       started_at=started, finished_at=started)
        write_run_meta(bundle, info, report=None, exit_code=3, command="verify")
        print(bundle.root.name, flush=True)
elif action == "private-write":  # PATH N: the session-state writer, big and changing
    from connector.private_files import write_private
    for i in range(int(args[1])):
        write_private(Path(args[0]), json.dumps({"n": i, "cookies": ["x" * 200] * (200 + i % 7)}))
    print("done", flush=True)
elif action == "read-json":  # PATH SECONDS: count reads that were not whole JSON
    path, until, bad, reads = Path(args[0]), time.monotonic() + float(args[1]), 0, 0
    while time.monotonic() < until:
        try:
            json.loads(path.read_text(encoding="utf-8"))
            reads += 1
        except FileNotFoundError:
            continue
        except ValueError:
            bad += 1
    print(json.dumps({"bad": bad, "reads": reads}), flush=True)
elif action == "totp-window":  # MEMORY: reserve a window, reading the memory slowly
    import flows.state as state
    slow_read = state._read_json
    state._read_json = lambda path: (time.sleep(0.5), slow_read(path))[1]  # a slow disk
    clock = state.Clock(now=lambda: 30 * 1000 + 10.0, sleep=lambda seconds: None)
    source = state.TotpSource("JBSWY3DPEHPK3PXP", Path(args[0]), clock)
    print(source._reserve()[0], flush=True)
elif action == "rewrite-snapshot":  # BUNDLE_DIR N
    from connector.bundle import open_bundle, write_snapshot
    bundle = open_bundle(Path(args[0]))
    for i in range(int(args[1])):
        write_snapshot(bundle, report("snap", i, "acme")[0])
    print("done", flush=True)
'''


@pytest.fixture
def helper(tmp_path: Path, h: Any) -> Any:
    """Start the helper script as its own process: `helper("hold-lock", ...)` -> Popen."""
    script = tmp_path / "helper.py"
    script.write_text(HELPER, encoding="utf-8")
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, str(script), *args], cwd=h.root,
                                env=h.clean_env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdin, proc.stdout, proc.stderr):  # no unclosed-pipe warnings
            if stream is not None and not stream.closed:
                stream.close()


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    """Wait for a helper; its stdout (it must have succeeded)."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def _hold(helper: Any, state: Path, tenant: str, run_id: str) -> subprocess.Popen[str]:
    """A process holding `tenant`'s lock (until its stdin closes)."""
    proc = helper("hold-lock", str(state), tenant, run_id)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _console(h: Any, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*h.console_script(), *argv], cwd=tmp_path, env=h.clean_env(),
                          capture_output=True, text=True, timeout=180, check=False)


PORTAL = ["--portal-url", "http://127.0.0.1:9", "--portal-email", "a@acme.example",
          "--portal-password", "x-Passw0rd!"]


def test_second_verify_for_a_locked_tenant_is_refused_naming_the_first(
    helper: Any, h: Any, tmp_path: Path, demo_export: Path
) -> None:
    """While one process runs tenant acme, `verify` for acme exits 2 at once naming that run."""
    state = tmp_path / "state"
    holder = _hold(helper, state, "acme", "first-run")
    done = _console(h, tmp_path, "--state-dir", str(state), "--reports-dir",
                    str(tmp_path / "reports"), "--tenant", "acme", "verify", *PORTAL,
                    "--idp", "file", "--idp-file", str(demo_export))
    _finish(holder)  # closing its stdin ends the holder
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "first-run" in lines[0] and "in progress" in lines[0], lines
    assert f"pid {holder.pid}" in lines[0]
    assert not (tmp_path / "reports").exists()  # the refused run wrote nothing


def test_another_tenant_runs_while_one_is_locked(helper: Any, h: Any, tmp_path: Path) -> None:
    """A lock on acme does not stop globex (same state folder): `history --prune` runs, exit 0."""
    state = tmp_path / "state"
    holder = _hold(helper, state, "acme", "acme-run")
    other = _console(h, tmp_path, "--state-dir", str(state), "--tenant", "globex", "history",
                     "--prune")
    same = _console(h, tmp_path, "--state-dir", str(state), "--tenant", "acme", "history",
                    "--prune")
    _finish(holder)  # closing its stdin ends the holder
    assert other.returncode == 0, other.stderr
    assert same.returncode == 2 and "acme-run" in same.stderr


def test_check_while_verify_runs_is_refused(helper: Any, cli: Any, tmp_path: Path) -> None:
    """`check` for a tenant whose verify is running exits 2 naming the verify, before reading."""
    holder = _hold(helper, tmp_path / ".state", "default", "verify-run")
    result = cli("check", *PORTAL, "--expect", "absent", "leaver@acme.example")
    _finish(holder)  # closing its stdin ends the holder
    assert result.code == 2, result.err
    assert "verify-run" in result.err and "in progress" in result.err
    assert not (tmp_path / "reports").exists()


def test_history_reads_while_another_process_writes(helper: Any, cli: Any, tmp_path: Path) -> None:
    """`history` keeps answering (exit 0) while another process records runs in the same store."""
    db = tmp_path / ".state" / "history.sqlite3"
    History(db).runs("default")  # the store exists before the race starts
    writer = helper("write-history", str(db), "default", "w", "150")
    codes = []
    while writer.poll() is None:
        codes.append(cli("history", "--limit", "5").code)
    _finish(writer)
    assert codes and set(codes) == {0}
    assert len(History(db).runs("default", limit=1000)) == 150


def test_two_processes_write_one_history_store(helper: Any, tmp_path: Path) -> None:
    """Two processes recording runs into one SQLite file at once: every run of both is kept."""
    db = tmp_path / "history.sqlite3"
    writers = [helper("write-history", str(db), tenant, tenant, "120") for tenant in ("a", "b")]
    for writer in writers:
        _finish(writer)
    store = History(db)
    assert [len(store.runs(t, limit=1000)) for t in ("a", "b")] == [120, 120]


def _old_bundles(reports: Path, tenant: str, count: int) -> list[Path]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    made = []
    for i in range(count):
        started = start + timedelta(days=i)
        bundle = create_bundle(reports, tenant, started, f"{i:012x}")
        run = RunInfo(run_id=f"{i:012x}", tool_version="t", tenant=tenant, portal_host="p",
                      started_at=started, finished_at=started)
        write_run_meta(bundle, run, report=None, exit_code=3, command="verify")
        made.append(bundle.root)
    return made


def test_pruning_one_tenant_while_another_writes_bundles(
    helper: Any, cli: Any, tmp_path: Path
) -> None:
    """Retention for acme, while globex writes bundles into the same reports folder: acme's old
    bundles go (the newest 10 stay), globex's are all intact."""
    reports = tmp_path / "reports"
    old = _old_bundles(reports, "acme", 14)
    writer = helper("write-bundles", str(reports), "globex", "40")
    result = cli("--tenant", "acme", "history", "--prune")
    names = _finish(writer).split()
    assert result.code == 0, result.err
    assert [p.exists() for p in old] == [False] * 4 + [True] * 10
    globex = reports / "globex"
    assert sorted(p.name for p in globex.iterdir()) == sorted(names)
    assert all((globex / n / "run.json").is_file() for n in names)


def test_lock_of_a_killed_run_is_taken_over(helper: Any, cli: Any, tmp_path: Path) -> None:
    """kill -9 of a run holding the lock: the next run takes the lock (the OS released it)."""
    holder = _hold(helper, tmp_path / ".state", "default", "killed-run")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    result = cli("history", "--prune")
    assert result.code == 0, result.err
    owner = lock_path(tmp_path / ".state", "default").with_suffix(".owner.json")
    assert not owner.exists() or "killed-run" not in owner.read_text()


def test_runs_started_in_the_same_second_get_their_own_bundles(
    helper: Any, tmp_path: Path
) -> None:
    """Two processes starting runs in the same second never share (or clobber) a bundle."""
    reports = tmp_path / "reports"
    writers = [helper("write-bundles", str(reports), "acme", "25") for _ in range(2)]
    names = [n for w in writers for n in _finish(w).split()]
    assert len(names) == len(set(names)) == 50
    assert all(BUNDLE_NAME.match(n) and n.startswith("20260102T030405Z-") for n in names)
    metas = [json.loads((reports / "acme" / n / "run.json").read_text()) for n in names]
    assert [m["run_id"] for m in metas] == [n.split("-", 1)[1] for n in names]


def test_session_state_file_is_never_seen_half_written(helper: Any, tmp_path: Path) -> None:
    """Two processes rewriting the storage-state file and one reading it: every read is whole
    JSON and neither writer fails (a shared temporary name once made one crash)."""
    path = tmp_path / "sessions" / "storage-x.json"
    reader = helper("read-json", str(path), "6")
    writers = [helper("private-write", str(path), "300") for _ in range(2)]
    for writer in writers:
        _finish(writer)
    counts = json.loads(_finish(reader))
    assert counts["bad"] == 0 and counts["reads"] > 0, counts


def test_tenants_never_share_a_reports_folder_or_lock() -> None:
    """Tenant names the settings accept map to distinct bundle folders and lock files ('acme'
    and 'acme.' once shared reports/acme/, so one's retention pruned the other's bundles)."""
    from pydantic import ValidationError

    from connector.bundle import safe_name
    from connector.config import Settings

    accepted = []
    for name in ("acme", "acme.", "acme..", "acme_", "acme-", "a.cme", "a_cme", "a-cme", "a..b"):
        try:
            Settings(tenant=name)
        except ValidationError:
            continue  # a refused name cannot collide
        accepted.append(name)
    folders = {safe_name(n) for n in accepted}
    locks = {lock_path(Path("s"), n).name for n in accepted}
    assert len(folders) == len(locks) == len(accepted), accepted


def test_report_from_a_snapshot_being_rewritten(helper: Any, cli: Any, tmp_path: Path) -> None:
    """`report --from snapshot.json` while the run writing it rewrites it: every re-render works."""
    source = tmp_path / "reports" / "acme" / "run"
    writer = helper("rewrite-snapshot", str(source), "200")
    while not (source / "snapshot.json").exists() and writer.poll() is None:
        time.sleep(0.01)
    codes = []
    while writer.poll() is None:
        result = cli("report", "--from", str(source / "snapshot.json"), "--out",
                     str(tmp_path / "copy"))
        assert "not JSON" not in result.err and result.code == 3, result.err
        codes.append(result.code)
    _finish(writer)
    assert codes


@pytest.fixture
def slow_portal(portal: Any) -> Iterator[Any]:
    """The fixture portal with every table load slowed down, so a run is caught mid-read."""
    portal.control.reset()  # from a known state whatever an earlier test left behind
    portal.control.faults(slow_spinner_ms=2500)
    yield portal


def _wait_for(predicate: Any, proc: subprocess.Popen[str], seconds: float = 90) -> None:
    until = time.monotonic() + seconds
    while not predicate():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < until, "timed out"
        time.sleep(0.05)


def test_sigterm_mid_run_frees_the_lock_and_claims_no_verdict(
    slow_portal: Any, h: Any, tmp_path: Path, demo_export: Path, demo_config: Path
) -> None:
    """SIGTERM while verify reads the portal: it ends promptly (exit 143), the lock and its owner
    note are gone, and its bundle holds no report, only run.json saying it was terminated."""
    state, reports = tmp_path / "state", tmp_path / "reports"
    argv = [*h.console_script(), "--state-dir", str(state), "--reports-dir", str(reports),
            "--config", str(demo_config), "--tenant", "demo", "verify", "--portal-url",
            slow_portal.url, "--portal-email", "password.admin@acme.example",
            "--portal-password", "plain-Passw0rd!", "--idp", "file", "--idp-file",
            str(demo_export)]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=h.clean_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    owner = lock_path(state, "demo").with_suffix(".owner.json")
    _wait_for(lambda: owner.exists() and any((reports / "demo").glob("*/evidence")), proc)
    time.sleep(1.5)  # inside the portal read (tables take 2.5 s each)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    runs = [json.loads(m.read_text()) for m in reports.glob("demo/*/run.json")]
    assert proc.returncode == 143, (err, runs)
    assert not owner.exists()
    (bundle,) = (reports / "demo").iterdir()
    assert not (bundle / "report.json").exists() and not (bundle / "report.html").exists()
    meta = json.loads((bundle / "run.json").read_text())
    assert meta["verdict"] is None and meta["exit_code"] == 143, meta
    assert History.in_state_dir(state).runs("demo") == []


def test_two_sign_ins_of_one_account_never_share_a_code(helper: Any, tmp_path: Path) -> None:
    """Two processes choosing a two-factor window for one account at the same moment (two
    tenants on one portal) get different windows: the second never resends the first's code."""
    memory = tmp_path / "sessions" / "totp-account.json"
    procs = [helper("totp-window", str(memory)) for _ in range(2)]
    windows = sorted(int(_finish(p)) for p in procs)
    assert windows == [1000, 1001], windows


def test_two_tenants_on_one_portal_both_sign_in(
    portal: Any, h: Any, tmp_path: Path, demo_export: Path, demo_config: Path
) -> None:
    """Two tenants run at once against one portal with the same two-factor account: both sign in
    and reach their verdict (two runs once sent the same one-time code and one was refused)."""
    admin, password, seed = h.admin
    procs = [subprocess.Popen(
        [*h.console_script(), "--state-dir", str(tmp_path / "state"), "--reports-dir",
         str(tmp_path / "reports"), "--config", str(demo_config), "--tenant", tenant,
         "verify", "--portal-url", portal.url, "--portal-email", admin, "--portal-password",
         password, "--totp-secret", seed, "--idp", "file", "--idp-file", str(demo_export)],
        cwd=tmp_path, env=h.clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for tenant in ("demo-a", "demo-b")]
    results = [(p.wait(timeout=240), p.communicate()[1]) for p in procs]
    assert [code for code, _ in results] == [1, 1], results  # the demo tenant has drift
