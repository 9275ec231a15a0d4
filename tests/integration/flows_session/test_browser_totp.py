"""Browser discovery/launch errors and the TOTP source's timing rules (no portal needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Playwright

from connector.errors import BrowserError, CredentialsRejected
from flows.browser import BrowserOptions, ReadOnlyGuard, find_chromium, launch, launch_args
from flows.sign_in import Credentials
from flows.state import Clock, RefusalMemory, TotpSource

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, now: float) -> None:
        self.t, self.slept = now, 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        self.slept += seconds

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


def test_find_chromium_prefers_explicit_and_rejects_missing(tmp_path: Path) -> None:
    """An explicit executable that does not exist gives None; PATH discovery finds one here."""
    assert find_chromium(str(tmp_path / "no-such-chrome")) is None
    assert find_chromium() is not None  # /usr/bin/chromium on this machine


def test_find_chromium_prefers_playwrights_own_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Chromium in Playwright's browser cache wins over one on PATH."""
    binary = tmp_path / "chromium-1234" / "chrome-linux" / "chrome"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    assert find_chromium() == str(binary)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "empty"))
    assert find_chromium() == shutil.which("chromium")


def test_launch_with_missing_executable_names_the_remedy(
    playwright: Playwright, tmp_path: Path
) -> None:
    """No browser found -> BrowserError whose remedy says how to install one."""
    with pytest.raises(BrowserError) as err:
        launch(playwright, BrowserOptions(executable=str(tmp_path / "nope")))
    assert "playwright install chromium" in err.value.remedy
    assert str(tmp_path / "nope") in err.value.message


def test_launch_args_are_the_quiet_set() -> None:
    """The launch flags include the background-noise switches (and --no-sandbox as root)."""
    args = launch_args()
    assert {"--disable-gpu", "--disable-sync", "--disable-component-update"} <= set(args)


def test_credentials_repr_hides_secrets() -> None:
    """repr(Credentials) never shows the password, seed or SSO password."""
    text = repr(Credentials("a@x.example", "hunter2-pw", SEED, "okta", None, "sso-pw-9"))
    assert "hunter2-pw" not in text and SEED not in text and "sso-pw-9" not in text


def test_totp_waits_for_next_window_when_code_about_to_expire(tmp_path: Path) -> None:
    """With < 5 s left in the window, the code of the next window is used, after waiting."""
    fake = FakeClock(30 * 1000 + 27.0)  # 3 s left
    code = TotpSource(SEED, tmp_path / "m.json", fake.clock()).next_code()
    assert fake.slept == pytest.approx(3.05, abs=0.01)
    assert code == pyotp.TOTP(SEED).at(30 * 1001)


def test_totp_uses_current_window_when_enough_time_left(tmp_path: Path) -> None:
    """With >= 5 s left the current window's code is used at once."""
    fake = FakeClock(30 * 1000 + 10.0)
    code = TotpSource(SEED, tmp_path / "m.json", fake.clock()).next_code()
    assert fake.slept == 0 and code == pyotp.TOTP(SEED).at(30 * 1000)


def test_totp_never_reuses_a_window_even_across_runs(tmp_path: Path) -> None:
    """A second code in the same window waits for the next one; the memory file says why."""
    memory = tmp_path / "state" / "m.json"
    fake = FakeClock(30 * 1000 + 1.0)
    first = TotpSource(SEED, memory, fake.clock()).next_code()
    second = TotpSource(SEED, memory, fake.clock()).next_code()  # a new run, same state dir
    assert first != second
    assert json.loads(memory.read_text())["window"] == 1001
    assert memory.stat().st_mode & 0o777 == 0o600
    assert SEED not in memory.read_text()


def test_refusal_memory_keeps_only_a_salted_fingerprint(tmp_path: Path) -> None:
    """A refused password is recognised later, any other is let through, and the file holds
    neither the password nor an unsalted hash of it."""
    import hashlib

    memory = RefusalMemory(tmp_path / "state" / "refused.json")
    memory.remember("password", "hunter2-Pw")
    with pytest.raises(CredentialsRejected):
        RefusalMemory(memory.path).check("password", "hunter2-Pw")
    RefusalMemory(memory.path).check("password", "another-Pw")  # no error
    RefusalMemory(memory.path).check("sso_password", "hunter2-Pw")  # another kind: no error
    text = memory.path.read_text()
    assert "hunter2-Pw" not in text
    assert hashlib.sha256(b"hunter2-Pw").hexdigest() not in text
    assert memory.path.stat().st_mode & 0o777 == 0o600
    memory.forget()
    assert not memory.path.exists()


def test_guard_covers_every_port_and_case_of_the_portal_host() -> None:
    """The guard recognises the portal host whatever the port or letter case, and nothing else."""
    guard = ReadOnlyGuard("Acme.Tessian-Platform.com:443")
    assert guard.guards("https://acme.tessian-platform.com/0/admin/portal-users")
    assert guard.guards("https://ACME.tessian-platform.com:8443/api/v1/groups")
    assert not guard.guards("https://acme.okta.com/login/step")
