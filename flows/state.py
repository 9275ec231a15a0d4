"""What the connector keeps between runs in its state folder, all owner-only (0600 in 0700).

- TOTP memory: the last 30-second window a code was submitted for, so that no code is ever
  submitted twice (RFC 6238 codes are single-use) and none that is about to expire.
- Refusal memory: that the portal (or the IdP) refused a password, so that the next scheduled run
  does not send the same password again: five refusals in a row lock the account. Only a salted
  scrypt fingerprint is kept, never the password.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyotp

from connector.errors import CredentialsRejected, SignInError
from connector.models import utc_now
from connector.private_files import private_dir as make_private_dir
from connector.private_files import write_private

log = logging.getLogger(__name__)

TOTP_STEP_S = 30
TOTP_MIN_LEFT_S = 5  # a code with less time left than this waits for the next window


def private_dir(path: Path) -> Path:
    """Create `path` (missing parents 0700 too) and make it owner-only (0700)."""
    make_private_dir(path)
    os.chmod(path, 0o700)
    return path


def private_write(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600) inside a 0700 folder, atomically."""
    private_dir(path.parent)
    write_private(path, text)


def account_key(email: str) -> str:
    """A file-name-safe key for an account that does not spell out the address."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:16]


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Clock:
    """Time as the TOTP step sees it (tests substitute their own)."""

    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


class _Totp(pyotp.TOTP):
    """pyotp's TOTP accepting the 80-bit seeds authenticator set-ups still issue (16 base32
    characters; pyotp wants 112 bits): the portal chooses the seed, not the connector."""

    min_secret_length_bits = 80


class TotpSource:
    """Codes from a seed, never one about to expire and never one from a window already used."""

    def __init__(self, secret: str, memory: Path, clock: Clock | None = None) -> None:
        self.totp = _Totp(secret, interval=TOTP_STEP_S)
        self.memory, self.clock = memory, clock or Clock()

    def _last_window(self) -> int:
        value = _read_json(self.memory).get("window")
        return value if isinstance(value, int) else -1

    def next_code(self) -> str:
        """The code to submit now, after waiting for a fresh window when needed."""
        window, wait = self._reserve()
        if wait > 0:
            log.info("waiting %.1f s for a fresh two-factor window", wait)
            self.clock.sleep(wait + 0.05)
        return self.totp.at(window * TOTP_STEP_S)

    def _reserve(self) -> tuple[int, float]:
        """Choose the window and remember it (before submitting: a crash after the submit must
        not reuse it), under a file lock: two runs signing in to one account at once (two
        tenants on one portal) read and write the memory in turn, so never share a code."""
        from filelock import FileLock

        private_dir(self.memory.parent)
        with FileLock(str(self.memory.with_suffix(".lock")), mode=0o600, is_singleton=False):
            now = self.clock.now()
            window = int(now // TOTP_STEP_S)
            if TOTP_STEP_S - now % TOTP_STEP_S < TOTP_MIN_LEFT_S:
                window += 1
            window = max(window, self._last_window() + 1)
            if window * TOTP_STEP_S - now > 2 * TOTP_STEP_S:
                raise SignInError(
                    "The last two-factor code used lies in the future: is the clock right?"
                )
            private_write(self.memory, json.dumps({"window": window}))
        return window, window * TOTP_STEP_S - now


class RefusalMemory:
    """Remembers refused passwords (as salted scrypt fingerprints) across runs, per account."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def _fingerprint(secret: str, salt: str) -> str:
        digest = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
        return digest.hex()

    def check(self, what: str, secret: str) -> None:
        """Raise CredentialsRejected, without sending anything, if this secret was refused."""
        entry = _read_json(self.path).get(what)
        if not isinstance(entry, dict):
            return
        salt, fingerprint = str(entry.get("salt", "")), str(entry.get("fingerprint", ""))
        if salt and secrets.compare_digest(self._fingerprint(secret, salt), fingerprint):
            raise CredentialsRejected(
                f"This {what.replace('_', ' ')} was refused at {entry.get('at')}; it is not sent "
                f"again (five refusals lock the account). Change it, or delete {self.path}."
            )

    def remember(self, what: str, secret: str) -> None:
        """Record that `secret` was refused."""
        salt = secrets.token_hex(16)
        data = _read_json(self.path)
        data[what] = {
            "salt": salt,
            "fingerprint": self._fingerprint(secret, salt),
            "at": utc_now().isoformat(timespec="seconds"),
        }
        private_write(self.path, json.dumps(data))

    def forget(self) -> None:
        """A sign-in succeeded: nothing refused is worth remembering any more."""
        self.path.unlink(missing_ok=True)
