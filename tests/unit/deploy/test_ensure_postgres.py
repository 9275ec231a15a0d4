"""scripts/ensure-postgres.sh prints the URL and nothing else, and returns while the server it
started keeps running: .ci/run captures its standard output with $(…).

The PostgreSQL tools are fakes on PATH that behave like Debian's where it matters here: the
cluster is down with a stale pid file, `pg_ctlcluster start` says "Removed stale pid file." on
standard output, and the server it leaves behind inherits every descriptor but 0, 1 and 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "ensure-postgres.sh"
PORT = 5439

FAKES = {
    "pg_lsclusters": f"""#!/bin/sh
state=$(cat "$FAKE_PG/state" 2>/dev/null || echo down)
echo "15 main {PORT} $state postgres /var/lib/postgresql/15/main /var/log/pg.log"
""",
    "pg_ctlcluster": """#!/bin/sh
echo "Removed stale pid file."
sleep 30 </dev/null >/dev/null 2>&1 &
echo $! > "$FAKE_PG/server.pid"
echo online > "$FAKE_PG/state"
""",
    "pg_isready": "#!/bin/sh\ntest \"$(cat \"$FAKE_PG/state\")\" = online\n",
    "psql": "#!/bin/sh\ncat > \"$FAKE_PG/psql.stdin\"\necho 'CREATE ROLE'\n",
    "runuser": "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n",
    "sudo": "#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do [ \"$1\" = -u ] && shift; shift; done\n"
            "exec \"$@\"\n",
}


@pytest.fixture
def fake_pg(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose PATH finds the fake tools first; the fake server is killed after."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in FAKES.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    yield {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_PG": str(tmp_path)}
    pid_file = tmp_path / "server.pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text()), signal.SIGKILL)


def _capture(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script as $(…) does: read its standard output to the end."""
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=20,
                          check=False)


def test_standard_output_is_only_the_url(fake_pg: dict[str, str]) -> None:
    """What the tools print goes to standard error; standard output is one line, the URL."""
    done = _capture(fake_pg)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"postgresql://tessian_test@127.0.0.1:{PORT}/tessian_test\n"
    assert "Removed stale pid file." in done.stderr


def test_returns_while_the_started_server_runs(fake_pg: dict[str, str]) -> None:
    """The server started holds no descriptor of the capture, so reading it ends (no hang)."""
    _capture(fake_pg)
    pid = int(Path(fake_pg["FAKE_PG"], "server.pid").read_text())
    os.kill(pid, 0)  # still running: the capture ended without waiting for it


def test_a_running_server_is_left_alone(fake_pg: dict[str, str]) -> None:
    """An online cluster is not started again, and the role and database are still ensured."""
    Path(fake_pg["FAKE_PG"], "state").write_text("online")
    done = _capture(fake_pg)
    assert done.returncode == 0 and done.stderr == ""
    assert not Path(fake_pg["FAKE_PG"], "server.pid").exists()
    assert "CREATE DATABASE" in Path(fake_pg["FAKE_PG"], "psql.stdin").read_text()
