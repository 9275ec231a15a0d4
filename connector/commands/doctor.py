"""`doctor`: sign in and compare every page with its fingerprint; print a per-page table.

Exit 0 when sign-in works and every page matches, 3 otherwise. Screenshots and ARIA snapshots
of mismatching pages land in a bundle (`doctor.json` lists the checks).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from connector.bundle import Bundle, create_bundle, new_run_id
from connector.cli import EXIT_INCONCLUSIVE, EXIT_VERIFIED
from connector.commands.context import Wiring, prepare
from connector.commands.portal import require_url, session
from connector.errors import PortalError, SignInError
from connector.lock import tenant_lock
from connector.models import PageCheck, utc_now
from connector.private_files import write_private
from connector.terminal import printable


def execute(args: argparse.Namespace) -> int:
    """Run the doctor for the configured tenant."""
    return run_doctor(prepare(args))


def run_doctor(w: Wiring, out: TextIO | None = None) -> int:
    """Sign in, check each page, write doctor.json and print the table."""
    from flows.doctor import doctor

    require_url(w)
    run_id = new_run_id()
    stream = out or sys.stdout
    with tenant_lock(w.state_dir, w.tenant, run_id=run_id):
        bundle = create_bundle(w.reports_dir, w.tenant, utc_now(), run_id)
        try:
            with session(w, bundle.evidence, None) as s:
                checks = doctor(s, bundle.evidence)
        except (SignInError, PortalError) as exc:
            _write(bundle, [], f"{type(exc).__name__}: {exc.message}")
            print(f"sign-in: FAILED: {printable(exc.message)}\nremedy: {exc.remedy}",
                  file=stream)
            return EXIT_INCONCLUSIVE
    _write(bundle, checks, None)
    print_table(checks, stream)
    print(f"bundle: {bundle.root}", file=stream)
    return EXIT_VERIFIED if checks and all(c.ok for c in checks) else EXIT_INCONCLUSIVE


def _write(bundle: Bundle, checks: Sequence[PageCheck], sign_in_error: str | None) -> None:
    data = {"sign_in": "ok" if sign_in_error is None else sign_in_error,
            "pages": [c.model_dump(mode="json") for c in checks]}
    write_private(bundle.root / "doctor.json", json.dumps(data, indent=2) + "\n")


def print_table(checks: Sequence[PageCheck], out: TextIO) -> None:
    """The per-page table: page, result, what failed, evidence."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    tty = _tty(out)
    table = Table(title="sign-in: ok", title_justify="left",
                  box=box.HEAVY_HEAD if tty else box.ASCII)
    for column in ("page", "result", "failed locator", "message", "evidence"):
        table.add_column(column)
    for c in checks:  # page text is shown as text: no rich markup, no terminal escapes
        table.add_row(*(Text(printable(v)) for v in (
            c.page, "ok" if c.ok else "CHANGED", c.failed_locator or "", c.message,
            c.screenshot or "")))
    Console(file=out, width=160, no_color=not tty).print(table)


def _tty(out: TextIO) -> bool:
    return bool(getattr(out, "isatty", lambda: False)())
