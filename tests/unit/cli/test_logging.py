"""Structured logs: JSON lines off a terminal, and secrets never reach a log line."""

from __future__ import annotations

import io
import json
import logging

import structlog
from pydantic import SecretStr

from connector.logging import REDACTED, Redactor, configure_logging


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_when_not_a_tty() -> None:
    """A non-terminal stream gets one JSON object per event with level and timestamp."""
    out = io.StringIO()
    configure_logging(stream=out)
    structlog.get_logger("t").info("collected", rows=3)
    (line,) = _lines(out)
    assert line["event"] == "collected" and line["rows"] == 3
    assert line["level"] == "info" and str(line["timestamp"]).endswith("Z")


def test_secret_keys_are_redacted_at_any_depth() -> None:
    """Values under password/token/cookie/authorization keys are replaced, nested ones too."""
    out = io.StringIO()
    configure_logging(stream=out)
    structlog.get_logger("t").info(
        "signing in", password="hunter22", api_token="tok-123456",
        headers={"Authorization": "API-Token abc", "Accept": "json"}, totp_secret="JBSW",
        secret=SecretStr("s3cr3t!!"),
    )
    (line,) = _lines(out)
    assert line["password"] == line["api_token"] == line["totp_secret"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "Accept": "json"}
    assert "hunter22" not in out.getvalue() and "s3cr3t" not in out.getvalue()


def test_registered_secret_values_are_scrubbed_from_messages() -> None:
    """A known secret inside free text (an exception message, a URL) is replaced."""
    out = io.StringIO()
    redactor = configure_logging(stream=out)
    redactor.add([SecretStr("demo-Passw0rd!"), "demo-api-token-0123456789", None, "ab"])
    log = structlog.get_logger("t")
    log.warning("login failed for demo-Passw0rd! via ?t=demo-api-token-0123456789")
    logging.getLogger("stdlib").error("stdlib saw demo-Passw0rd!")
    text = out.getvalue()
    assert "demo-Passw0rd!" not in text and "demo-api-token" not in text
    assert text.count(REDACTED) == 3


def test_verbose_enables_debug_and_default_hides_it() -> None:
    """Debug events appear only with verbose."""
    quiet, loud = io.StringIO(), io.StringIO()
    configure_logging(stream=quiet)
    structlog.get_logger("t").debug("detail")
    configure_logging(stream=loud, verbose=True)
    structlog.get_logger("t").debug("detail")
    assert quiet.getvalue() == "" and "detail" in loud.getvalue()


def test_console_renderer_when_forced_off_json() -> None:
    """json_logs=False renders human-readable lines, still redacted."""
    out = io.StringIO()
    configure_logging(stream=out, json_logs=False)
    structlog.get_logger("t").info("hello", cookie="sess=1")
    text = out.getvalue()
    assert "hello" in text and "sess=1" not in text
    assert not text.lstrip().startswith("{")


def test_redactor_scrub_prefers_longest_secret() -> None:
    """Overlapping secrets are replaced whole (the longer one first)."""
    r = Redactor(["abcd", "abcdefgh"])
    assert r.scrub("x abcdefgh y") == f"x {REDACTED} y"
