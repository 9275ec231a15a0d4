"""The redactor is structural: known values in every spelling, and secret-shaped text whatever its
value (URL credentials, query tokens, header values, PEM keys), in log lines and error lines."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog
from pydantic import SecretStr

from connector.cli import print_error
from connector.errors import ConnectorError
from connector.logging import REDACTED, Redactor, active_redactor, configure_logging, reset_logging
from connector.redaction import credential_problem, has_credentials, host_of, scrub_patterns
from connector.terminal import printable

SECRET = "Sntl-p@ss word!/42"


@pytest.mark.parametrize("text", [
    "https://admin:Sntl-hidden@portal.example/0/dashboard",
    "GET http://u:Sntl-hidden@127.0.0.1:8080/x failed",
    "https://portal.example/cb?state=1&access_token=Sntl-hidden&x=2",
    "redirect to /login?code=Sntl-hidden",
    "Authorization: SSWS Sntl-hidden",
    '{"Authorization": "API-Token Sntl-hidden"}',
    "header Bearer eyJ0eXAiOiJKV1Q1.Sntl-hidden",
    "sent SSWS 00Sntl-hidden9",
    "Cookie: tessian_session=Sntl-hidden; other=1",
    "-----BEGIN PRIVATE KEY-----\nMIIE-Sntl-hidden\n-----END PRIVATE KEY-----",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE-Sntl-hidden (cut short)",
])
def test_secret_shapes_are_redacted_whatever_the_value(text: str) -> None:
    """A credential recognised by its shape is removed without being registered first."""
    scrubbed = scrub_patterns(text)
    assert "Sntl-hidden" not in scrubbed and REDACTED in scrubbed


@pytest.mark.parametrize("text", [
    "Basic information about the run", "a Bearer token is needed", "see https://portal.example/x",
    "reading page 2 of user_monitoring", "user@example.com was not found",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    """Prose, plain URLs and addresses are not redacted (a redactor that hides everything
    would hide the evidence too)."""
    assert scrub_patterns(text) == text


@pytest.mark.parametrize("spelled", [SECRET, "Sntl-p%40ss%20word%21%2F42",
                                     "Sntl-p%40ss+word%21%2F42"])
def test_registered_values_are_redacted_in_every_spelling(spelled: str) -> None:
    """A registered secret is found as is, percent-encoded and form-encoded."""
    redactor = Redactor([SECRET])
    assert redactor.scrub(f"posted {spelled} to the form") == f"posted {REDACTED} to the form"


def test_each_line_of_a_registered_key_is_redacted() -> None:
    """A multi-line secret (a PEM key) is redacted a line at a time too (a log may quote one)."""
    key = ("-----BEGIN EC PRIVATE KEY-----\nAAAASntlLineOne\nBBBBSntlLineTwo\n"
           "-----END EC PRIVATE KEY-----")
    redactor = Redactor([key])
    assert "Sntl" not in redactor.scrub("bad key line BBBBSntlLineTwo in file")


def test_secret_inside_an_object_repr_is_redacted_in_the_rendered_line() -> None:
    """The rendered log line is scrubbed: a secret inside an object (not a str) is caught."""
    out = io.StringIO()
    redactor = configure_logging(stream=out, json_logs=True)
    redactor.add([SecretStr(SECRET)])

    class Holder:
        def __repr__(self) -> str:
            return f"Holder(url='https://u:Sntl-hidden@h', value={SECRET!r})"

    structlog.get_logger("t").info("state", thing=Holder())
    logging.getLogger("stdlib").warning("retrying %s", "https://h/?token=Sntl-hidden")
    text = out.getvalue()
    reset_logging()
    assert "Sntl" not in text and text.count(REDACTED) >= 3


def test_console_logs_redact_exception_tracebacks() -> None:
    """A traceback rendered by the console renderer (not JSON) holds no registered secret."""
    out = io.StringIO()
    redactor = configure_logging(stream=out, json_logs=False)
    redactor.add([SECRET])
    try:
        raise RuntimeError(f"sign-in with {SECRET} failed")
    except RuntimeError:
        structlog.get_logger("t").exception("boom")
    text = out.getvalue()
    reset_logging()
    assert SECRET not in text and "RuntimeError" in text


def test_error_lines_use_the_runs_redactor_and_escape_control_characters() -> None:
    """print_error scrubs the secrets the run registered, URL credentials, and terminal escapes,
    also in the --verbose cause line."""
    configure_logging(stream=io.StringIO()).add([SECRET])
    cause = OSError(f"https://a:Sntl-hidden@h refused {SECRET}")
    error = ConnectorError(f"portal said \x1b]8;;evil\x07{SECRET}\x1b[2J")
    error.__cause__ = cause
    out = io.StringIO()
    print_error(error, verbose=True, stream=out)
    assert active_redactor().scrub(SECRET) == REDACTED
    reset_logging()
    text = out.getvalue()
    assert SECRET not in text and "Sntl-hidden" not in text and "\x1b" not in text
    assert "\\x1b]8;;evil\\x07" in text and len(text.splitlines()) == 3


def test_unexpected_error_lines_are_scrubbed_too() -> None:
    """A bug's one-line message (and its verbose traceback) holds no registered secret."""
    configure_logging(stream=io.StringIO()).add([SECRET])
    out = io.StringIO()
    try:
        raise ValueError(f"bad {SECRET}")
    except ValueError as exc:
        print_error(exc, verbose=True, stream=out)
    reset_logging()
    assert SECRET not in out.getvalue() and "Traceback" in out.getvalue()


@pytest.mark.parametrize(("url", "problem"), [
    ("https://user:pw@portal.example", "credentials"),
    ("https://user@portal.example", "credentials"),
    ("https://portal.example/?access_token=abc", "query"),
    ("https://portal.example/x?page=1&api_key=abc", "query"),
    ("https://portal.example/#id_token=abc", "query"),
    ("https://portal.example:8443/path?page=2", None),
])
def test_url_settings_with_credentials_are_recognised(url: str, problem: str | None) -> None:
    """Userinfo and credential query parameters make a URL unfit as a setting; others pass."""
    found = credential_problem(url)
    assert (found is None) if problem is None else (problem in found)  # type: ignore[operator]
    assert has_credentials(url) is (problem is not None)


@pytest.mark.parametrize(("url", "host"), [
    ("http://admin:secret@127.0.0.1:8080/x", "127.0.0.1:8080"),
    ("https://portal.example/", "portal.example"),
    ("https://u:p@[::1]:9/", "[::1]:9"),
    ("not a url", ""),
])
def test_host_of_never_keeps_userinfo(url: str, host: str) -> None:
    """The portal host recorded in run.json/report.json is host[:port] only."""
    assert host_of(url) == host


def test_printable_escapes_terminal_controls_and_direction_overrides() -> None:
    """Escape sequences, bells, carriage returns, RTL overrides and lone surrogates become
    visible escapes; a field's tabs and newlines too (one field stays one field)."""
    text = printable("a\x1b[31mb\rc\x07d\u202ee\ud800f\tg\nh")
    assert text == "a\\x1b[31mb\\x0dc\\x07d\\u202ee\\ud800f\\x09g\\x0ah"
    assert printable("one\ntwo\tthree", multiline=True) == "one\ntwo\tthree"
    json.dumps(text).encode("utf-8")  # no lone surrogate left to crash an encoder
