"""`python -m fixtures.portal`: the base URL first on stdout, sign-in details, clear errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fixtures.portal", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The portal started as a subprocess on port 0 with the one-user tenant and control on."""
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.portal", "--port", "0", "--tenant",
                             "one-user", "--control"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    yield proc, url
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_first_line_is_the_base_url_then_sign_in_details(server: tuple[subprocess.Popen[str], str]) -> None:
    """The first stdout line is a base URL that serves the sign-in page; details follow."""
    proc, url = server
    assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > 0
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "Sign in as:"
    assert "security.admin@acme.example" in proc.stdout.readline()
    page = httpx.get(url + "/login")
    assert page.status_code == 200 and "Sign in to Tessian" in page.text
    assert httpx.get(url + "/__control/state").json()["monitored_users"] == 1


@pytest.mark.parametrize(("tenant", "message"), [
    ("nope", "fixtures.portal: unknown tenant scenario 'nope' (known: "),
    ("/no/such/file.json", "fixtures.portal: /no/such/file.json: tenant file not found"),
])
def test_bad_tenant_is_one_line_and_exit_2(tenant: str, message: str) -> None:
    """An unknown scenario or missing file: exit 2 and one stderr line, no traceback."""
    result = run("--tenant", tenant)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_malformed_tenant_names_file_and_field(tmp_path: Path) -> None:
    """A malformed file: the error names the file, the line/field and the problem."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"scenario": "x",\n "company": }')
    result = run("--tenant", str(broken))
    assert result.returncode == 2
    assert result.stderr == (f"fixtures.portal: {broken}: invalid JSON at line 2 column 13: "
                             "Expecting value\n")


def test_control_api_is_off_by_default() -> None:
    """Without --control there is no /__control/ API."""
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.portal", "--tenant", "empty"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert httpx.post(url + "/__control/reset").status_code in (404, 405)
        assert httpx.get(url + "/__control/state").status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
