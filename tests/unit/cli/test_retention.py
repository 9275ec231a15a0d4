"""Retention of report bundles and history: only bundle folders past their age go, never the
newest 10, the current run or anything else in the folder; the settings reach the wiring."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.bundle import KEEP_NEWEST, bundle_dir_name, prune_bundles
from connector.cli import main
from connector.commands.context import BrowserWiring, Wiring
from connector.commands.retention import apply_retention
from connector.commands.settings_adapter import load_wiring
from connector.config import Settings
from connector.history import History

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
D = timedelta(days=1)


def _bundle(tenant_dir: Path, age: timedelta, verdict: str | None = "verified", n: int = 0) -> Path:
    """A bundle folder started `age` ago whose run.json says `verdict` (None: no run.json)."""
    root = tenant_dir / bundle_dir_name(NOW - age, f"{n:012x}")
    (root / "evidence").mkdir(parents=True)
    if verdict is not None:
        (root / "run.json").write_text(json.dumps({"verdict": verdict}))
    return root


def _left(tenant_dir: Path) -> set[str]:
    return {p.name for p in tenant_dir.iterdir()}


def test_only_old_bundle_folders_go_and_the_newest_ten_stay(tmp_path: Path) -> None:
    """Of 15 bundles 40+ days old, the 5 oldest go; other files and folders are never touched."""
    old = [_bundle(tmp_path, (40 + i) * D, n=i) for i in range(15)]
    strangers = [tmp_path / "notes.txt", tmp_path / "20200101T000000Z-notes",
                 tmp_path / "20200101T000000Z-abcdefabcdef.zip"]
    strangers[0].write_text("mine")
    strangers[1].mkdir()
    strangers[2].write_text("not a folder")
    (tmp_path / "20200101T000000Z-0123456789ab").symlink_to(strangers[1])
    deleted = prune_bundles(tmp_path, 30 * D, NOW)
    assert sorted(deleted) == sorted(old[KEEP_NEWEST:])
    assert _left(tmp_path) == {p.name for p in old[:KEEP_NEWEST]} | {
        p.name for p in strangers} | {"20200101T000000Z-0123456789ab"}


def test_recent_bundles_and_the_current_run_stay(tmp_path: Path) -> None:
    """Bundles younger than the horizon stay; so does the current run's, whatever its name says."""
    recent = [_bundle(tmp_path, i * D, n=i) for i in range(12)]
    current = _bundle(tmp_path, 400 * D, n=99)
    old = _bundle(tmp_path, 300 * D, n=98)
    assert prune_bundles(tmp_path, 30 * D, NOW, current=current) == [old]
    assert _left(tmp_path) == {p.name for p in [*recent, current]}


@pytest.mark.parametrize(("verdict", "age", "kept"), [
    ("drift", 2 * D, False), ("inconclusive", 2 * D, True), (None, 29 * D, True),
    ("inconclusive", 31 * D, False)])
def test_failed_runs_are_kept_at_least_thirty_days(
    tmp_path: Path, verdict: str | None, age: timedelta, kept: bool
) -> None:
    """With a one-day horizon, a run that reached no verdict still stays 30 days, not forever."""
    for i in range(KEEP_NEWEST):
        _bundle(tmp_path, timedelta(hours=i), n=i)
    probe = _bundle(tmp_path, age, verdict, n=50)
    prune_bundles(tmp_path, 1 * D, NOW)
    assert probe.exists() is kept


def _wiring(tmp_path: Path, **keep: int) -> Wiring:
    config = tmp_path / "c.toml"
    config.write_text("")
    w = load_wiring({"reports_dir": str(tmp_path / "reports"), "state_dir": str(tmp_path / "s")},
                    config_file=config, env_file=None, tenant="acme")
    return replace(w, **keep)  # type: ignore[arg-type]


def test_zero_keeps_everything(tmp_path: Path) -> None:
    """history_keep_days = reports_keep_days = 0 turns pruning off."""
    w = _wiring(tmp_path, history_keep_days=0, reports_keep_days=0)
    tenant_dir = w.reports_dir / "acme"
    bundles = [_bundle(tenant_dir, 900 * D, n=i) for i in range(KEEP_NEWEST + 3)]
    pruned = apply_retention(w, History(w.history_path), now=NOW)
    assert (pruned.runs, pruned.bundles) == (0, ())
    assert all(b.exists() for b in bundles)


def test_retention_settings_defaults_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defaults are 400 and 30 days; TESSIAN_HISTORY_KEEP_DAYS / _REPORTS_KEEP_DAYS set them."""
    defaults = _wiring(tmp_path)
    assert (defaults.history_keep_days, defaults.reports_keep_days) == (400, 30)
    monkeypatch.setenv("TESSIAN_HISTORY_KEEP_DAYS", "90")
    monkeypatch.setenv("TESSIAN_REPORTS_KEEP_DAYS", "7")
    w = _wiring(tmp_path)
    assert (w.history_keep_days, w.reports_keep_days) == (90, 7)


def test_history_prune_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`history --prune` deletes old bundles now and says how many went."""
    tenant_dir = tmp_path / "reports" / "acme"
    old = [_bundle(tenant_dir, (800 + i) * D, n=i) for i in range(KEEP_NEWEST + 2)]
    code = main(["--state-dir", str(tmp_path / "s"), "--reports-dir", str(tmp_path / "reports"),
                 "--tenant", "acme", "history", "--prune"])
    assert code == 0, capsys.readouterr().err
    assert "0 run(s) from history, 2 bundle(s)" in capsys.readouterr().out
    assert [b.exists() for b in old] == [True] * KEEP_NEWEST + [False, False]


def test_every_command_traces_on_failure_by_default() -> None:
    """The wiring's trace default (used by demo) is the settings' default, on-failure."""
    assert BrowserWiring().trace == Settings.model_fields["browser_trace"].default == "on-failure"
