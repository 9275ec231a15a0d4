"""Structured logging for the command line: JSON lines off a terminal, a console on one, redacted.

Every record (structlog's and the standard library's) goes through one pipeline whose last step
before rendering removes secrets: values under secret-looking keys (password, token, secret,
cookie, authorization, …), every occurrence of a registered secret value (in its URL- and
JSON-escaped spellings too) and every secret-shaped part (URL credentials, query-string tokens,
API-Token/SSWS/Bearer header values, PEM keys; see connector.redaction). The rendered line is
scrubbed once more, so a secret inside an object's repr or a formatted traceback is caught too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO, cast

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from connector.redaction import REDACTED, scrub_patterns, scrub_values, spellings
from connector.terminal import printable

__all__ = ["REDACTED", "Redactor", "active_redactor", "configure_logging", "get_logger"]
SECRET_KEY = re.compile(
    r"pass(word|wd)?|token|secret|cookie|authori[sz]ation|totp|api[_-]?key|private[_-]?key"
    r"|credential|session[_-]?id|bearer|assertion",
    re.IGNORECASE,
)
_HANDLER_MARK = "_tessian_connector_handler"


class Redactor:
    """A structlog processor that hides secret values and the values of secret-looking keys."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str | SecretStr | None]) -> None:
        """Register more secret values, with their escaped spellings (short ones are ignored:
        they would redact ordinary text)."""
        for value in secrets:
            raw = value.get_secret_value() if isinstance(value, SecretStr) else value
            if raw:
                self._secrets |= spellings(raw)

    def __call__(self, _logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
        """Redact one event dict in place (keys first, then known values in any string)."""
        return self._mapping(event)

    def _mapping(self, data: MutableMapping[str, Any]) -> Any:
        for key in list(data):
            if SECRET_KEY.search(str(key)) and data[key] is not None:
                data[key] = REDACTED
            else:
                data[key] = self._value(data[key])
        return data

    def _value(self, value: object) -> object:
        if isinstance(value, SecretStr):
            return REDACTED
        if isinstance(value, str):  # portal text may hold terminal escapes: shown, not run
            return printable(self.scrub(value), multiline=True)
        if isinstance(value, MutableMapping):
            return self._mapping(dict(value))
        if isinstance(value, list | tuple):
            return type(value)(self._value(v) for v in value)
        return value

    def scrub(self, text: str) -> str:
        """Replace every registered secret value and every secret-shaped part inside `text`."""
        return scrub_patterns(scrub_values(text, self._secrets))

    def rendered(self, renderer: Processor) -> Processor:
        """`renderer`, with its output line scrubbed (reprs and tracebacks hold secrets too)."""
        def render(logger: WrappedLogger, method: str, event: EventDict) -> Any:
            line = renderer(logger, method, event)
            return self.scrub(line) if isinstance(line, str) else line
        return render


def _drop_color_message(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    # uvicorn and friends duplicate the message with ANSI codes; it would dodge redaction.
    event.pop("color_message", None)
    return event


def configure_logging(
    *,
    verbose: bool = False,
    json_logs: bool | None = None,
    stream: TextIO | None = None,
    redactor: Redactor | None = None,
) -> Redactor:
    """Send structlog and stdlib logging to `stream` (stderr), redacted; returns the redactor.

    `json_logs=None` picks JSON lines unless the stream is a terminal.
    """
    out = stream if stream is not None else sys.stderr
    redactor = redactor or Redactor()
    use_json = json_logs if json_logs is not None else not _is_tty(out)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    _install_handler(out, shared, redactor, use_json, logging.DEBUG if verbose else logging.INFO)
    return redactor


def _install_handler(
    out: TextIO, shared: list[Processor], redactor: Redactor, use_json: bool, level: int
) -> None:
    renderer: Processor = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=_is_tty(out))
    )
    post: list[Processor] = [structlog.processors.format_exc_info] if use_json else []
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *post,
            redactor,
            redactor.rendered(renderer),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, redactor)
    root = logging.getLogger()
    # Replace only our own handler: test runners attach theirs to the root logger too.
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def reset_logging() -> None:
    """Remove the handler `configure_logging` installed (main() calls this when it returns, so
    an in-process caller is not left writing to a stream it has since closed)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)


def active_redactor() -> Redactor:
    """The redactor of the handler `configure_logging` installed (its registered secrets), or a
    pattern-only one; error lines printed outside logging are scrubbed with it (connector.cli)."""
    for handler in logging.getLogger().handlers:
        found = getattr(handler, _HANDLER_MARK, None)
        if isinstance(found, Redactor):
            return cast(Redactor, found)
    return Redactor()


def get_logger(name: str = "connector") -> Any:
    """A structlog logger bound to `name` (configured or not: structlog's defaults apply)."""
    return structlog.get_logger(name)


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
