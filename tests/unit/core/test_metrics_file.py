"""The metrics textfile: the metrics_dir setting, and an atomic, world-readable replace."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from connector.config import load_settings
from connector.errors import ConfigError
from connector.metrics_file import write_textfile


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TESSIAN_ variable of the machine leaks into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("TESSIAN_"):
            monkeypatch.delenv(name)


def test_metrics_dir_is_off_by_default_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No metrics unless asked; TESSIAN_METRICS_DIR names the collector folder."""
    assert load_settings({}, config_file=None, env_file=None, tenant=None).metrics_dir is None
    monkeypatch.setenv("TESSIAN_METRICS_DIR", str(tmp_path / "textfile"))
    settings = load_settings({}, config_file=None, env_file=None, tenant=None)
    assert settings.metrics_dir == tmp_path / "textfile"


def test_a_file_as_metrics_dir_is_one_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A metrics_dir that is a file is refused at load time, naming the setting."""
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("TESSIAN_METRICS_DIR", str(tmp_path / "afile"))
    with pytest.raises(ConfigError, match="metrics_dir"):
        load_settings({}, config_file=None, env_file=None, tenant=None)


def test_write_replaces_atomically_with_mode_0644(tmp_path: Path) -> None:
    """The file is replaced whole, 0644 whatever the umask, and no temporary file is left."""
    target = tmp_path / "textfile" / "tessian_acme.prom"
    old_umask = os.umask(0o077)
    try:
        write_textfile(target, "a 1\n")
        write_textfile(target, "a 2\n")
    finally:
        os.umask(old_umask)
    assert target.read_text() == "a 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["tessian_acme.prom"]


def test_tenants_sharing_a_folder_keep_their_own_files(tmp_path: Path) -> None:
    """Writing one tenant's file leaves another tenant's file in the same folder alone."""
    write_textfile(tmp_path / "tessian_acme.prom", "a 1\n")
    write_textfile(tmp_path / "tessian_beta.prom", "b 1\n")
    assert (tmp_path / "tessian_acme.prom").read_text() == "a 1\n"


def test_a_folder_that_became_a_file_is_a_config_error(tmp_path: Path) -> None:
    """A write that cannot happen names the file and the setting (no traceback)."""
    (tmp_path / "textfile").write_text("not a folder")
    target = tmp_path / "textfile" / "tessian_acme.prom"
    with pytest.raises(ConfigError, match="metrics_dir") as caught:
        write_textfile(target, "a 1\n")
    assert str(target) in str(caught.value)


def test_a_failed_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    """When the rename fails, the half-written temporary file is removed (the collector would
    otherwise keep it for ever), and what was there stays."""
    target = tmp_path / "tessian_acme.prom"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(ConfigError):
        write_textfile(target, "a 1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tessian_acme.prom"]
    assert (target / "keep").read_text() == "x"
