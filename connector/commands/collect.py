"""`collect`: read the portal into a snapshot.json (no identities, no evaluation).

A sign-in or portal failure still writes the snapshot, with the failure recorded in its
collection records, and exits 3; the snapshot then re-evaluates to an inconclusive report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connector.bundle import new_run_id, snapshot_json, tool_version
from connector.cli import EXIT_INCONCLUSIVE, EXIT_VERIFIED
from connector.commands.context import Wiring, prepare
from connector.commands.portal import read_portal, require_url
from connector.commands.progress import Steps
from connector.inputs import output_file
from connector.lock import tenant_lock
from connector.models import RunInfo, Snapshot, utc_now
from connector.private_files import write_private
from connector.redaction import host_of
from connector.terminal import printable


def execute(args: argparse.Namespace) -> int:
    """Collect every surface and write the snapshot to --out."""
    w = prepare(args)
    url = require_url(w)
    out = output_file(Path(args.out), "--out")
    started = utc_now()
    run_id = new_run_id()
    evidence = out.parent / "evidence"
    with tenant_lock(w.state_dir, w.tenant, run_id=run_id):
        context = _history_context(w)
        with Steps().step("Signing in and reading the portal"):
            data = read_portal(w, evidence, None)
    run = RunInfo(run_id=run_id, tool_version=tool_version(), tenant=w.tenant,
                  portal_host=host_of(url), started_at=started, finished_at=utc_now())
    snapshot = Snapshot.model_validate(
        {"run": run, **data.snapshot_fields(), "history": context})
    write_private(out, snapshot_json(snapshot))  # 0600: the snapshot names every user read
    print(out)
    complete = all(c.complete for c in snapshot.collections) and data.failure is None
    if data.failure is not None:
        print(f"error: {printable(data.failure.message)}\nremedy: {data.failure.remedy}",
              file=sys.stderr)
    return EXIT_VERIFIED if complete else EXIT_INCONCLUSIVE


def _history_context(w: Wiring) -> object:
    from connector.commands.history_store import history_of

    return history_of(w).context(w.tenant)
