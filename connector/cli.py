"""The `tessian-connector` command: parse, wire the layers, and map every outcome to an exit code.

This module is the composition root and the ONE place exit codes are decided:

    0  verified       everything was read completely and nothing is at or above the fail level
    1  drift          read completely; findings at or above the fail level
    2  usage/config   a flag, setting or input file is wrong (argparse errors included)
    3  inconclusive   the run could not verify (sign-in, portal, layout, provider, shrink guard)

A `ConnectorError` is printed as one message line and one remedy line on stderr, never as a
traceback; only an unexpected exception (a bug) shows one, and only with --verbose.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from connector.errors import ConfigError, ConnectorError
from connector.logging import reset_logging
from connector.models import Verdict
from connector.signals import Terminated, signals_raise

EXIT_VERIFIED = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what schedulers (cron, Kubernetes) expect

VERDICT_EXIT: dict[Verdict, int] = {
    "verified": EXIT_VERIFIED,
    "drift": EXIT_DRIFT,
    "inconclusive": EXIT_INCONCLUSIVE,
}

# command name -> module under connector.commands exposing `execute(args) -> int`
COMMANDS: dict[str, str] = {
    "collect": "collect",
    "expected": "expected",
    "verify": "verify",
    "debug": "verify",
    "check": "check",
    "doctor": "doctor",
    "report": "report",
    "history": "history",
    "demo": "demo",
    "run-all": "run_all",
}


def exit_code_for_verdict(verdict: Verdict) -> int:
    """The exit code of a run that reached a report."""
    return VERDICT_EXIT[verdict]


def exit_code_for_error(exc: BaseException) -> int:
    """The exit code of a run that ended with an exception instead of a report."""
    if isinstance(exc, Terminated):
        return EXIT_TERMINATED
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, ConfigError):
        return EXIT_USAGE
    # Every other failure (sign-in, browser, portal, API, provider, or a bug) means nothing
    # could be verified: inconclusive, never 0 and never 1 (which would read as drift).
    return EXIT_INCONCLUSIVE


def print_error(exc: BaseException, *, verbose: bool, stream: TextIO | None = None) -> None:
    """Print an error for a person: one message line and one remedy line (traceback for bugs).

    Every line is scrubbed of the secrets the run registered (and secret-shaped text: URL
    credentials, tokens) and of terminal control characters: an error may quote a URL or a
    value read from the portal.
    """
    out = stream or sys.stderr
    for line in _error_lines(exc, verbose=verbose):
        print(line, file=out)


def _error_lines(exc: BaseException, *, verbose: bool) -> list[str]:
    from connector.logging import active_redactor
    from connector.terminal import printable

    if isinstance(exc, ConnectorError):
        lines = [f"error: {exc.message}", f"remedy: {exc.remedy}"]
        if verbose and exc.__cause__ is not None:
            lines.append(f"cause: {exc.__cause__!r}")
    elif isinstance(exc, KeyboardInterrupt):
        lines = ["terminated" if isinstance(exc, Terminated) else "interrupted"]
    else:
        lines = [f"error: unexpected {type(exc).__name__}: {exc}",
                 "remedy: this is a bug; run with --verbose and report the traceback"]
        if verbose:
            lines.append("".join(traceback.format_exception(exc)).rstrip("\n"))
    scrub = active_redactor().scrub
    return [printable(scrub(line), multiline=True) for line in lines]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit code."""
    from connector.commands.args import build_parser

    args_list = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args_list or "--verbose" in args_list
    try:
        with signals_raise():
            try:
                args = build_parser().parse_args(args_list)
            except SystemExit as done:  # --help and --version: argparse printed, now stop
                return int(done.code or 0) if not isinstance(done.code, str) else EXIT_USAGE
            return _dispatch(args.command)(args)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - mapped to an exit code
        print_error(exc, verbose=verbose)
        return exit_code_for_error(exc)
    finally:
        reset_logging()


def _dispatch(command: str) -> Callable[..., int]:
    module = importlib.import_module(f"connector.commands.{COMMANDS[command]}")
    execute: Callable[..., int] = module.execute
    return execute


def run() -> NoReturn:
    """Console-script entry point: `tessian-connector`."""
    sys.exit(main())


if __name__ == "__main__":  # `python -m connector.cli`, same as the console script
    # Run the copy imported as `connector.cli`, not this `__main__` one: the commands import
    # `connector.cli`, and two copies of one module would mean two sets of its names.
    from connector.cli import run as _run

    _run()
