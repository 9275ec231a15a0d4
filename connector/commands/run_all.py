"""`run-all`: verify every tenant of the settings file, at most --parallel at a time.

Each tenant runs as its own child process, `tessian-connector verify --config FILE --tenant=NAME`:
exactly the verify code path, so each tenant has its own settings, lock, history record, bundle
and browser. One Chromium process per tenant (not one per worker, reused): a fresh browser
cannot carry cookies, cache or a half-dead renderer from one tenant to the next, a crash or a
hang dies with its tenant, and one tenant's secrets never sit in a process working for another.
What it costs -- a Python start and a Chromium launch per tenant, a second or two -- is small next
to a sign-in and a read (benchmarks/run_all.py measures the whole). It also sidesteps Playwright's
sync API, which must not be shared across threads.

A SIGTERM (Kubernetes, systemd) is passed on to the running children, which close their browsers
and mark their bundles as stopped; run-all then writes its summary and exits 143. Tenants not
yet started are `not_run`. Ctrl-C reaches the children from the terminal by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from connector.commands.run_all_plan import (
    Shard,
    TenantStatus,
    in_shard,
    select,
    shard_from_env,
    status_table,
    summary_doc,
    verdict_for,
)
from connector.errors import ConfigError
from connector.models import utc_now
from connector.private_files import write_private
from connector.signals import Terminated
from connector.terminal import printable

POLL_S = 0.1
STOP_GRACE_S = 30.0  # how long stopped children get to close their browsers and bundles
FORWARDED = (("--env-file", "env_file"), ("--state-dir", "state_dir"),
             ("--reports-dir", "reports_dir"))


def execute(args: argparse.Namespace) -> int:
    """Run every tenant of --config (this shard, --tenants), print the table, write run-all.json."""
    from connector.config import Settings
    from connector.config_file import list_tenants

    if getattr(args, "tenant", None):
        raise ConfigError("run-all runs every tenant of --config: choose some with --tenants "
                          "A,B instead of --tenant")
    config = _config_path(args)
    names, shared = list_tenants(config, set(Settings.model_fields))
    if not names:
        raise ConfigError(f"{config}: no [tenants.NAME] table, so run-all has nothing to run")
    shard = args.shard or shard_from_env()
    chosen = in_shard(select(names, args.tenants, str(config)), shard)
    summary = Path(args.summary) if args.summary else _default_summary(args, shared, shard)
    meta = {"config": str(config), "shard": str(shard) if shard else None,
            "parallel": args.parallel, "started_at": utc_now().isoformat()}
    if not chosen:
        print(f"run-all: shard {shard} has no tenants ({config} lists {len(names)}): "
              "nothing to run", file=sys.stderr)
    pool = Pool(lambda name: child_argv(args, config, name), args.parallel,
                relay_all=bool(getattr(args, "verbose", False)),
                relay_prefix=not getattr(args, "json_logs", False))
    try:
        pool.run(chosen)
    finally:
        doc = _finish(pool, chosen, meta, summary)
    _print(doc, summary, json_out=bool(args.json_out))
    return int(doc["exit_code"])


def child_argv(args: argparse.Namespace, config: Path, tenant: str) -> list[str]:
    """The verify command of one tenant (`--tenant=NAME`: a name starting '-' stays a value)."""
    argv = [sys.executable, "-m", "connector.cli", "verify", f"--config={config}",
            f"--tenant={tenant}"]
    argv += [f"{flag}={value}" for flag, dest in FORWARDED if (value := getattr(args, dest, None))]
    if getattr(args, "verbose", False):
        argv.append("--verbose")
    if getattr(args, "json_logs", False):
        argv.append("--json-logs")
    return argv


def _config_path(args: argparse.Namespace) -> Path:
    if not getattr(args, "config", None):
        raise ConfigError("run-all needs --config FILE: the settings file listing the tenants")
    path = Path(args.config)
    if not path.is_file():
        raise ConfigError(f"--config {path}: {'is a directory' if path.is_dir() else 'no such file'}")
    return path


def _default_summary(args: argparse.Namespace, shared: dict[str, Any], shard: Shard | None) -> Path:
    """run-all.json in the reports folder (--reports-dir, TESSIAN_REPORTS_DIR, the file's shared
    reports_dir, else `reports`); one file per shard, so shards sharing a volume do not clash."""
    folder = (getattr(args, "reports_dir", None) or os.environ.get("TESSIAN_REPORTS_DIR")
              or shared.get("reports_dir") or "reports")
    name = f"run-all-{shard.index}-of-{shard.count}.json" if shard else "run-all.json"
    return Path(folder) / name


def _finish(pool: Pool, chosen: list[str], meta: dict[str, Any], summary: Path) -> dict[str, Any]:
    """The summary document, also written when run-all itself is stopped (exit_code 143/130)."""
    statuses = [pool.done.get(n) or TenantStatus(n, "not_run", None) for n in chosen]
    doc = summary_doc(statuses, {**meta, "finished_at": utc_now().isoformat(),
                                 "stopped": pool.stopped})
    if pool.stopped:
        doc["exit_code"] = 143 if pool.stopped == "terminated" else 130
    write_private(summary, json.dumps(doc, indent=2) + "\n")
    return doc


def _print(doc: dict[str, Any], summary: Path, *, json_out: bool) -> None:
    if json_out:
        print(json.dumps(doc, indent=2))
        return
    statuses = [TenantStatus(**t) for t in doc["tenants"]]
    for line in status_table(statuses):
        print(printable(line))
    print(printable(f"run-all: {len(statuses)} tenant(s), exit {doc['exit_code']}; "
                    f"summary: {summary}"))


@dataclass
class _Child:
    tenant: str
    proc: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]
    started: float = field(default_factory=time.monotonic)


class Pool:
    """At most `parallel` tenant processes at once; `done` holds each finished tenant's status."""

    def __init__(self, argv_for: Callable[[str], list[str]], parallel: int, *,
                 relay_all: bool = False, relay_prefix: bool = True) -> None:
        self.argv_for, self.parallel = argv_for, parallel
        self.relay_all, self.relay_prefix = relay_all, relay_prefix
        self.done: dict[str, TenantStatus] = {}
        self.stopped: str | None = None
        self._running: list[_Child] = []

    def run(self, names: list[str]) -> None:
        """Run them all; on SIGTERM, Ctrl-C or an error, stop the running children, re-raise."""
        pending = deque(names)
        try:
            while pending or self._running:
                while pending and len(self._running) < self.parallel:
                    self._running.append(self._start(pending.popleft()))
                self._reap(lambda child: child.proc.poll() is not None)
                time.sleep(POLL_S)
        except BaseException as exc:  # SIGTERM (Terminated), Ctrl-C, or a failure of our own
            interrupted = isinstance(exc, KeyboardInterrupt) and not isinstance(exc, Terminated)
            if isinstance(exc, KeyboardInterrupt):
                self.stopped = "interrupted" if interrupted else "terminated"
            self._stop_children(forward=not interrupted)  # Ctrl-C reached them already
            raise

    def _start(self, tenant: str) -> _Child:
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        proc = subprocess.Popen(self.argv_for(tenant), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err)
        return _Child(tenant, proc, out, err)

    def _reap(self, finished: Callable[[_Child], bool]) -> None:
        for child in [c for c in self._running if finished(c)]:
            self._running.remove(child)
            self.done[child.tenant] = self._status(child)
            s = self.done[child.tenant]
            print(printable(f"run-all: {s.tenant}: {s.verdict} (exit {s.exit_code}) in "
                            f"{s.duration_s:.1f}s"), file=sys.stderr, flush=True)

    def _stop_children(self, *, forward: bool) -> None:
        """SIGTERM the children (Ctrl-C already reached them), wait, then kill what is left."""
        for child in self._running:
            if forward and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self._running:
            try:
                child.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        self._reap(lambda child: True)

    def _status(self, child: _Child) -> TenantStatus:
        code = child.proc.returncode
        out, err = _read(child.out), _read(child.err)
        if self.relay_all or code not in (0, 1):
            self._relay(child.tenant, err)
        bundle = next((line.removeprefix("bundle:").strip() for line in out.splitlines()
                       if line.startswith("bundle:")), None)
        report_verdict, findings, why = _report_facts(bundle)
        verdict = verdict_for(code, report_verdict)
        errors = [line.removeprefix("error:").strip() for line in err.splitlines()
                  if line.startswith("error:")]
        return TenantStatus(child.tenant, verdict, code,
                            findings if verdict == report_verdict else None,
                            round(time.monotonic() - child.started, 2), bundle,
                            errors[-1] if errors else why)

    def _relay(self, tenant: str, err: str) -> None:
        """The child's stderr (scrubbed by the child), each line tagged with the tenant: for a
        tenant without a verdict (its error, its log), or for every tenant with --verbose."""
        for line in err.splitlines():
            print(f"[{printable(tenant)}] {line}" if self.relay_prefix else line,
                  file=sys.stderr)


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    text = handle.read().decode("utf-8", errors="replace")
    handle.close()
    return text


def _report_facts(bundle: str | None) -> tuple[str | None, int | None, str | None]:
    """From the bundle's report: the verdict, the number of findings other than in_sync, and
    the first reason it is inconclusive (None when there is none)."""
    if bundle is None:
        return None, None, None
    try:
        report = json.loads((Path(bundle) / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None, None
    findings = [f for f in report.get("findings", []) if f.get("outcome") != "in_sync"]
    reasons = [f"{r.get('reason')}: {r.get('message')}" for r in report.get("reasons", [])]
    return report.get("verdict"), len(findings), reasons[0] if reasons else None

