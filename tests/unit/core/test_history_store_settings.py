"""history_url / history_password: which store the commands open, URLs refused with a password in
them, and the `history` command listing spot checks as such, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connector.cli import main
from connector.commands.check import _record as record_spot_check
from connector.commands.context import Wiring
from connector.commands.history import show_history
from connector.commands.history_store import history_of
from connector.commands.settings_adapter import load_wiring
from connector.errors import ConfigError
from connector.models import Policy, Report, RunInfo
from connector.reconcile import evaluate


def _wiring(tmp_path: Path, **settings: str) -> Wiring:
    config = tmp_path / "c.toml"
    config.write_text("".join(f'{k} = "{v}"\n' for k, v in settings.items()))
    return load_wiring({"state_dir": str(tmp_path / "s"), "reports_dir": str(tmp_path / "r")},
                       config_file=config, env_file=None, tenant="acme")


@pytest.mark.parametrize("url", [
    "postgresql://tessian:hunter22@db.example/tessian",
    "postgresql://tessian@db.example/tessian?sslmode=require&password=hunter22",
    "postgres://db.example/tessian?PASSWORD=hunter22",
])
def test_a_password_in_history_url_is_refused(tmp_path: Path, url: str) -> None:
    """A password inside history_url is refused, naming the setting and where passwords go,
    without repeating the password."""
    with pytest.raises(ConfigError) as caught:
        _wiring(tmp_path, history_url=url)
    message = str(caught.value)
    assert "history_url" in message and "TESSIAN_HISTORY_PASSWORD" in message
    assert "hunter22" not in message


def test_history_url_must_be_postgresql(tmp_path: Path) -> None:
    """Another scheme (a typo, a MySQL URL) is refused, naming the setting."""
    with pytest.raises(ConfigError, match="history_url.*PostgreSQL URL"):
        _wiring(tmp_path, history_url="mysql://tessian@db.example/tessian")


def test_the_configured_store_is_opened(tmp_path: Path) -> None:
    """Unset: the SQLite file in the state folder; set: PostgreSQL at that URL, a user name in
    the URL being fine and the password setting kept secret."""
    sqlite = history_of(_wiring(tmp_path))
    assert sqlite.path == tmp_path / "s" / "history.sqlite3"
    w = _wiring(tmp_path, history_url="postgresql://tessian@db.example:5433/tessian",
                history_password="s3cret-pw")
    pg = history_of(w)
    assert pg.path is None and pg.backend.url == w.history_url  # type: ignore[attr-defined]
    assert "s3cret-pw" not in repr(w)


def _nowhere() -> str:
    """A history_url on a local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"postgresql://127.0.0.1:{sock.getsockname()[1]}/tessian"


def test_an_unreachable_history_url_exits_2_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`history` with nothing listening at history_url: exit 2, one error line naming the
    setting and a remedy, no traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TESSIAN_HISTORY_URL", _nowhere())
    assert main(["--state-dir", str(tmp_path / "s"), "history"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("error: history_url postgresql://127.0.0.1:")
    assert err[1].startswith("remedy: ") and "Traceback" not in "".join(err)


def test_a_spot_check_stands_when_history_fails(build, tmp_path: Path) -> None:  # noqa: ANN001
    """A spot check's answer does not depend on history: a failing store is a warning naming
    history_url, not an error."""
    with capture_logs() as logs:
        record_spot_check(_wiring(tmp_path, history_url=_nowhere()), _run(build, 0, "spot_check"))
    (warning,) = [e for e in logs if e["event"] == "spot check not recorded in history"]
    assert warning["log_level"] == "warning"
    assert warning["error"].startswith("history_url postgresql://127.0.0.1:")


def _run(build, day: int, run_type: str) -> Report:  # noqa: ANN001
    """A conclusive run of tenant acme, `day` days after the builders' clock."""
    at = build.now + timedelta(days=day)
    run = RunInfo(run_id=f"{run_type}-{day}", tool_version="t", tenant="acme", portal_host="h",
                  run_type=run_type, started_at=at, finished_at=at)
    snapshot = build.snapshot([build.identity("a@x.com")], [build.row("a@x.com")])
    return evaluate(snapshot.model_copy(update={"run": run}), Policy())


def test_history_lists_spot_checks_as_such(
    build, new_history, tmp_path: Path  # noqa: ANN001
) -> None:
    """`history` shows every run, the spot check marked '(spot check)' and the verify not."""
    url = getattr(new_history().backend, "url", None)  # a fresh PostgreSQL schema, or SQLite
    w = _wiring(tmp_path, **({"history_url": url} if url else {}))
    history = history_of(w)
    history.record(_run(build, 0, "scheduled"))
    history.record(_run(build, 1, "spot_check"))
    out = io.StringIO()
    show_history(w, limit=5, out=out)
    lines = out.getvalue().splitlines()
    assert "spot_check-1" in lines[1] and lines[1].endswith("(spot check)")
    assert "scheduled-0" in lines[2] and "spot check" not in lines[2]
