"""`report --from snapshot.json|report.json`: offline re-evaluation and re-rendering.

No browser and no credentials are touched. From report.json the renderers reproduce the same
files byte for byte; from snapshot.json the snapshot is evaluated again with the configured
policy (the snapshot carries its own history context, so this is a pure function of the file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from connector.bundle import copy_evidence, open_bundle, snapshot_json
from connector.cli import exit_code_for_verdict
from connector.commands.context import prepare
from connector.errors import ConfigError, InputFileError
from connector.models import Policy, Report, Snapshot
from connector.private_files import write_private


def execute(args: argparse.Namespace) -> int:
    """Re-render (and from a snapshot, re-evaluate) a bundle without a browser."""
    w = prepare(args)
    source = Path(args.source)
    out_dir = Path(args.out) if args.out else source.parent
    identities = Path(args.identities) if args.identities else None
    return rerender(source, out_dir, w.policy, identities=identities)


def rerender(source: Path, out_dir: Path, policy: Policy, out: TextIO | None = None, *,
             identities: Path | None = None) -> int:
    """Write the bundle files for `source` into `out_dir`; returns the verdict's exit code."""
    from connector.reconcile import evaluate
    from connector.report import render_bundle

    data = _load_json(source)
    bundle = open_bundle(out_dir)
    if "verdict" in data:
        if identities is not None:
            raise ConfigError("--identities works with --from snapshot.json, not report.json")
        report = _validate(Report, data, source)
    else:
        if identities is not None:
            data = {**data, "identity_source": _load_json(identities, key="identities")}
        snapshot = _validate(Snapshot, data, source)
        report = evaluate(snapshot, policy)
        if identities is not None or bundle.snapshot_path.resolve() != source.resolve():
            write_private(bundle.snapshot_path, snapshot_json(snapshot))
    copy_evidence(source.parent, bundle)
    render_bundle(report, bundle.root)
    stream = out or sys.stdout
    print(bundle.html_path, file=stream)
    print(f"verdict: {report.verdict}", file=stream)
    return exit_code_for_verdict(report.verdict)


def _load_json(path: Path, key: str = "run") -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(str(path), f"cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(str(path), f"not JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(data, dict) or key not in data:
        what = "an identities.json" if key == "identities" else "a snapshot.json or report.json"
        raise InputFileError(str(path), f"not {what} (no '{key}')")
    return data


def _validate(model: type[Any], data: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputFileError(str(path), first["msg"], field=where or None) from exc
