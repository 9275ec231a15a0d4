"""The report bundle: `reports/<tenant>/<UTC time>-<run id>/` with snapshot, report files, evidence.

The bundle folders are created 0700 and every file in them 0600 (`connector.private_files`):
snapshots, reports and evidence name people. `run.json` holds the
run metadata (tool version, run id, UTC times, tenant host, run type, sources and read modes, the
verdict and the exit code) next to what the renderers write. `trace.zip` stays when asked for
(tracing "on") or on failure (tracing "on-failure", the default: an inconclusive run).

`prune_bundles` applies retention to a tenant's folder: it deletes only folders named like a
bundle (`<YYYYmmddTHHMMSSZ>-<12 hex digits>`), dated by their name, never the newest
`KEEP_NEWEST`, and keeps bundles of runs that did not succeed at least `FAILED_MIN_KEEP`.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from connector.errors import ConfigError
from connector.models import Report, RunInfo, Snapshot
from connector.private_files import private_dir, write_private

SNAPSHOT = "snapshot.json"
REPORT = "report.json"
RUN_META = "run.json"
EVIDENCE = "evidence"
TRACE = "trace.zip"
BUNDLE_NAME = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{12}$")
KEEP_NEWEST = 10  # always kept, however old: the last runs are what an operator looks at
FAILED_MIN_KEEP = timedelta(days=30)  # inconclusive or crashed runs: kept for the post-mortem
SUCCEEDED = ("verified", "drift")  # a verdict was reached: nothing left to investigate


def tool_version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    try:
        return metadata.version("tessian-connector")
    except metadata.PackageNotFoundError:
        return "0.0.0+source"


def new_run_id() -> str:
    """A short random run id (12 hex digits): unique enough per tenant and easy to quote."""
    return uuid.uuid4().hex[:12]


def safe_name(text: str) -> str:
    """`text` made safe as one path component."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", text).strip(".") or "_"


@dataclass(frozen=True)
class Bundle:
    """One run's output folder and the names of the files inside it."""

    root: Path

    @property
    def evidence(self) -> Path:
        """Screenshots and ARIA snapshots; findings refer to them relative to `root`."""
        return self.root / EVIDENCE

    @property
    def snapshot_path(self) -> Path:
        """The raw collection (input of `report --from`)."""
        return self.root / SNAPSHOT

    @property
    def report_path(self) -> Path:
        """The evaluated report as JSON (written by the renderers)."""
        return self.root / REPORT

    @property
    def html_path(self) -> Path:
        """The single-file HTML report."""
        return self.root / "report.html"

    @property
    def trace_path(self) -> Path:
        """Where a Playwright trace goes when one is recorded."""
        return self.root / TRACE

    @property
    def meta_path(self) -> Path:
        """Run metadata."""
        return self.root / RUN_META


def bundle_dir_name(started_at: datetime, run_id: str) -> str:
    """`<UTC time>-<run id>`, sortable by time."""
    return f"{started_at.strftime('%Y%m%dT%H%M%SZ')}-{run_id}"


def create_bundle(reports_dir: Path, tenant: str, started_at: datetime, run_id: str) -> Bundle:
    """Make `reports/<tenant>/<UTC time>-<run id>/evidence/` (0700) and return the bundle."""
    root = reports_dir / safe_name(tenant) / bundle_dir_name(started_at, run_id)
    return open_bundle(root)


def open_bundle(root: Path) -> Bundle:
    """Use `root` (created if needed, 0700, as are missing parents) as a bundle folder."""
    try:
        private_dir(root / EVIDENCE)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the report folder {root}: {exc.strerror}",
            remedy="Point --reports-dir (or --out) at a writable folder.",
        ) from exc
    return Bundle(root)


def write_snapshot(bundle: Bundle, snapshot: Snapshot) -> Path:
    """Write `snapshot.json` (the input `report --from` re-evaluates)."""
    return write_private(bundle.snapshot_path, snapshot_json(snapshot))


def snapshot_json(snapshot: Snapshot) -> str:
    """The canonical serialisation of a snapshot."""
    return snapshot.model_dump_json(indent=2) + "\n"


def write_run_meta(
    bundle: Bundle,
    run: RunInfo,
    *,
    report: Report | None,
    exit_code: int,
    command: str,
    extra: dict[str, object] | None = None,
) -> Path:
    """Write `run.json`: who ran what, when, against which tenant, how, and with what result."""
    meta: dict[str, object] = {
        "tool_version": run.tool_version,
        "run_id": run.run_id,
        "run_type": run.run_type,
        "command": command,
        "tenant": run.tenant,
        "portal_host": run.portal_host,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "verdict": report.verdict if report else None,
        "reasons": [r.reason.value for r in report.reasons] if report else [],
        "exit_code": exit_code,
        "sources": _sources(report),
        **(extra or {}),
    }
    return write_private(bundle.meta_path, json.dumps(meta, indent=2) + "\n")


def _sources(report: Report | None) -> dict[str, object]:
    if report is None:
        return {}
    reads = {f"{c.surface}": c.source for c in report.collections}
    idp = report.identity_source
    return {"portal": reads, "identities": idp.kind if idp else None}


def drop_trace(bundle: Bundle) -> None:
    """Delete the trace (and the parts a re-sign-in split off): the run needs no post-mortem."""
    for path in (bundle.trace_path, *bundle.root.glob(f"{Path(TRACE).stem}-part*.zip")):
        path.unlink(missing_ok=True)


def settle_trace(bundle: Bundle, mode: str, verdict: str | None) -> None:
    """Tracing "on-failure" keeps trace.zip only for an inconclusive run (or one that crashed)."""
    if mode == "on-failure" and verdict not in (None, "inconclusive"):
        drop_trace(bundle)


def copy_evidence(source_root: Path, bundle: Bundle) -> None:
    """Copy another bundle's evidence files into `bundle` (for re-rendering elsewhere), 0600 in
    0700 folders whatever the source's modes were (a copy must not widen who can read it)."""
    src = source_root / EVIDENCE
    if not src.is_dir() or src.resolve() == bundle.evidence.resolve():
        return
    for path in sorted(src.rglob("*")):
        if path.is_file() and not path.is_symlink():  # a link could point anywhere: not evidence
            write_private(bundle.evidence / path.relative_to(src), path.read_bytes())


def prune_bundles(tenant_dir: Path, keep: timedelta, now: datetime,
                  current: Path | None = None) -> list[Path]:
    """Delete the tenant's bundle folders past retention; returns the folders deleted."""
    if not tenant_dir.is_dir():
        return []
    bundles = sorted((p for p in tenant_dir.iterdir() if _is_bundle(p)), reverse=True)
    doomed = [p for p in bundles[KEEP_NEWEST:]
              if p != current and now - _bundle_time(p) > _retention(p, keep)]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def _is_bundle(path: Path) -> bool:
    """A real folder (not a link) named like a bundle; anything else is not ours to delete."""
    return bool(BUNDLE_NAME.match(path.name)) and path.is_dir() and not path.is_symlink()


def _bundle_time(path: Path) -> datetime:
    """When the run started, from the folder's name (file times change on copies and backups)."""
    stamp = BUNDLE_NAME.match(path.name)
    assert stamp is not None  # only called on paths _is_bundle accepted
    return datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _retention(path: Path, keep: timedelta) -> timedelta:
    """`keep` for a run that reached a verdict; at least FAILED_MIN_KEEP for any other bundle."""
    try:
        verdict = json.loads((path / RUN_META).read_text(encoding="utf-8")).get("verdict")
    except (OSError, ValueError, AttributeError):
        verdict = None  # no readable run.json: a crash, a doctor run, or an unknown run
    return keep if verdict in SUCCEEDED else max(keep, FAILED_MIN_KEEP)
