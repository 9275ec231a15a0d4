"""`verify` and `debug`: collect + expected + evaluate + render, into one bundle, under the lock.

History context goes into the snapshot before evaluation (so `report --from snapshot.json` is a
pure re-evaluation), and the run is recorded in history afterwards.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import TYPE_CHECKING, TextIO

from connector.bundle import (
    Bundle,
    create_bundle,
    new_run_id,
    settle_trace,
    tool_version,
    write_run_meta,
    write_snapshot,
)
from connector.cli import exit_code_for_verdict
from connector.commands.context import Wiring, prepare
from connector.commands.identities import read_identities
from connector.commands.display import require_display
from connector.commands.portal import read_portal, require_read_settings, require_url
from connector.commands.progress import Steps
from connector.errors import ConfigError
from connector.lock import tenant_lock
from connector.models import IdentitySource, Report, RunInfo, RunType, Snapshot, utc_now
from connector.notify import notify_run
from connector.private_files import private_dir
from connector.redaction import host_of
from connector.terminal import printable

if TYPE_CHECKING:
    from connector.history import History

DEBUG_SLOW_MO_MS = 250


def execute(args: argparse.Namespace) -> int:
    """Run `verify` (or `debug`, its headed, traced variant)."""
    w = prepare(args)
    if args.command == "debug":
        return run_debug(w, headless=bool(getattr(args, "headless", False)))
    return run_verify(w, run_type="scheduled", command="verify")


def run_debug(w: Wiring, *, headless: bool, out: TextIO | None = None) -> int:
    """verify, headed and slowed down, pausing on failure, with a trace kept in the bundle."""
    if not headless:
        require_display("debug")
    slow = w.browser.slow_mo_ms or (0 if headless else DEBUG_SLOW_MO_MS)
    w = w.with_browser(headed=not headless, slow_mo_ms=slow, trace="on", pause_on_failure=True)
    return run_verify(w, run_type="debug", command="debug", out=out)


def run_verify(w: Wiring, *, run_type: RunType, command: str, out: TextIO | None = None) -> int:
    """The whole pipeline; returns the exit code of the report's verdict."""
    out = out or sys.stdout
    url = require_url(w)
    require_read_settings(w)  # a missing setting is refused before anything is written
    # An export file is read (and refused, file:line) before the lock; providers under it.
    from_file = read_identities(w) if _file_source(w) else None
    run = RunInfo(run_id=new_run_id(), tool_version=tool_version(), tenant=w.tenant,
                  portal_host=host_of(url), run_type=run_type, started_at=utc_now())
    steps = Steps()
    with tenant_lock(w.state_dir, w.tenant, run_id=run.run_id):
        with steps.step("Reading the identity source"):
            identities = from_file or read_identities(w)
        history = _history(w)
        context = history.context(w.tenant)
        bundle = create_bundle(w.reports_dir, w.tenant, run.started_at, run.run_id)
        try:
            report = _collect_and_evaluate(w, run, bundle, steps, identities, context)
            settle_trace(bundle, w.browser.trace, report.verdict)
            history.record(report)
            delivery = notify_run(w.notify, report, str(bundle.html_path), w.redactor.scrub)
            code = exit_code_for_verdict(report.verdict)
            write_run_meta(bundle, report.run, report=report, exit_code=code, command=command,
                           extra={"read_mode": w.portal.mode, "trace": bundle.trace_path.exists(),
                                  "notify": delivery.as_meta()})
        except BaseException as exc:  # SIGTERM (Terminated) and Ctrl-C included
            _record_failure(bundle, run, command, exc)
            raise
        _retain(w, history, bundle)
        _write_metrics(w, report, code)
    print_outcome(bundle, report, out, traced=w.browser.trace != "off")
    if delivery.line():  # a failed notification is said here, not in the exit code
        print(delivery.line(), file=out)
    return code


def _collect_and_evaluate(
    w: Wiring, run: RunInfo, bundle: Bundle, steps: Steps, identities: IdentitySource,
    context: object,
) -> Report:
    from connector.reconcile import evaluate
    from connector.report import render_bundle

    with steps.step("Signing in and reading the portal"):
        # A trace is worth keeping when something could not be read (the run will be
        # inconclusive); a clean read discards it and keeps the saved session.
        data = read_portal(w, bundle.evidence, bundle.trace_path,
                           keep_trace=lambda d: not (d.complete and identities.complete))
    snapshot = Snapshot.model_validate({
        "run": replace_run(run, finished_at=utc_now()), **data.snapshot_fields(),
        "identity_source": identities, "history": context,
    })
    write_snapshot(bundle, snapshot)
    with steps.step("Evaluating and writing the report"):
        report = evaluate(snapshot, w.policy)
        render_bundle(report, bundle.root)
    return report


def replace_run(run: RunInfo, **changes: object) -> RunInfo:
    """A copy of a frozen RunInfo with some fields changed (validated again)."""
    return RunInfo.model_validate({**run.model_dump(), **changes})


def _history(w: Wiring) -> History:
    from connector.commands.history_store import history_of

    return history_of(w)


def _retain(w: Wiring, history: History, bundle: Bundle) -> None:
    """Retention after the run is recorded: old history rows and bundles go (never this one)."""
    from connector.commands.retention import apply_retention

    apply_retention(w, history, current=bundle.root)


def _write_metrics(w: Wiring, report: Report, code: int) -> None:
    """The tenant's node_exporter textfile, replaced after the run is recorded (under the lock,
    so two runs of one tenant never interleave); a run that crashed leaves the last one as it was,
    and its timestamp going stale is the alert."""
    if w.metrics_dir is None:
        return
    from connector.metrics_file import write_textfile
    from connector.report.prometheus_out import metrics_file_name, render_metrics

    text = render_metrics(report, exit_code=code)
    write_textfile(w.metrics_dir / metrics_file_name(w.tenant), text)


def _file_source(w: Wiring) -> bool:
    return (w.idp.kind or ("file" if w.idp.file else None)) in ("file", None)


def _record_failure(bundle: Bundle, run: RunInfo, command: str, exc: BaseException) -> None:
    """run.json for a run that ended without delivering its verdict, and no report files (a
    report.json written just before a SIGTERM must not read as the run's verdict); a usage error
    found before anything was read (e.g. Chromium could not open a window) leaves no bundle."""
    from connector.cli import exit_code_for_error
    from connector.report import BUNDLE_FILES

    if isinstance(exc, ConfigError) and not bundle.snapshot_path.exists():
        shutil.rmtree(bundle.root, ignore_errors=True)
        return
    for name in BUNDLE_FILES:
        (bundle.root / name).unlink(missing_ok=True)
    write_run_meta(bundle, run, report=None, exit_code=exit_code_for_error(exc), command=command,
                   extra={"error": type(exc).__name__})


def print_outcome(bundle: Bundle, report: Report, out: TextIO, *, traced: bool = False) -> None:
    """Where the bundle is (report.html first), the verdict and, when inconclusive, why."""
    print(bundle.html_path, file=out)
    print(f"bundle:  {bundle.root}", file=out)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v)
    print(f"verdict: {report.verdict}" + (f" ({counts})" if counts else ""), file=out)
    for reason in report.reasons:
        print(f"reason:  {reason.reason.value}: {printable(reason.message)}", file=out)
    if traced and bundle.trace_path.exists():
        print(f"trace:   playwright show-trace {bundle.trace_path}", file=out)

