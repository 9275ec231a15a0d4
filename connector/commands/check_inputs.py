"""The addresses `check` is asked about: arguments, `-` (stdin) and `@FILE` batches, validated.

Everything is validated before anything is read or written: one bad address and the command
stops with exit 2 and one line naming the argument (or `file:line`), no sign-in, no bundle.

Address syntax (strict on purpose; a typo must not become a search that "proves" absence):
  * trimmed, then case-folded; ASCII only (write an international domain as punycode, xn--…);
  * exactly one `@`; no spaces or control characters anywhere;
  * local part: 1-64 characters of letters, digits and ``!#$%&'*+/=?^_`{|}~-``, dot-separated
    (no leading, trailing or doubled dot); quoted local parts are not accepted;
  * domain: at most 253 characters, at least two dot-separated labels of letters, digits and
    hyphens (1-63 each, no leading or trailing hyphen), the last one not all digits.

Batches: `-` reads standard input and `@PATH` a file (UTF-8): one address per line; blank lines
and `#` comments (a whole line, or after whitespace) are ignored. Duplicates collapse
case-insensitively, the first one kept in order. An empty batch is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from connector.errors import ConfigError

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
STDIN = "-"


class AddressError(ConfigError):
    """An address given to `check` is not an email address, or a batch could not be read."""

    remedy = ("Give each address as name@example.com: as an argument, one per line of an @FILE, "
              "or on standard input with '-' (see 'tessian-connector check --help').")


def problem(text: str) -> str | None:
    """Why `text` (already trimmed) is not an accepted email address, or None when it is."""
    if not text.isascii() or any(c.isspace() or not c.isprintable() for c in text):
        return "has spaces, control or non-ASCII characters"
    if text.count("@") != 1:
        return "needs exactly one '@'"
    local, _, domain = text.partition("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        return "has an empty or invalid part before the '@'"
    return _domain_problem(domain)


def _domain_problem(domain: str) -> str | None:
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2:
        return "needs a domain with a dot after the '@'"
    if not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return "has an invalid domain after the '@'"
    return None


def canonical(text: str, where: str) -> str:
    """The address trimmed and case-folded; `AddressError` naming `where` when it is not one."""
    value = text.strip()
    why = problem(value)
    if why is not None:
        raise AddressError(f"{where}: {value!r} is not an email address ({why})")
    return value.casefold()


def read_batch(arguments: Sequence[str], stdin: TextIO | None) -> list[str]:
    """Every address the arguments stand for, validated, duplicates collapsed, in order."""
    if list(arguments).count(STDIN) > 1:
        raise AddressError("'-' (standard input) is given more than once")
    found: list[str] = []
    for n, argument in enumerate(arguments, start=1):
        found += _expand(argument, n, stdin)
    if not found:
        raise AddressError("no address to check: " + _sources(arguments) + " held none")
    return list(dict.fromkeys(found))


def _expand(argument: str, n: int, stdin: TextIO | None) -> list[str]:
    if argument == STDIN:
        return list(_lines(_read_stdin(stdin), "<stdin>"))
    if argument.startswith("@") and len(argument) > 1:
        path = argument[1:]
        return list(_lines(_read_file(path), path))
    return [canonical(argument, f"argument {n}")]


def _lines(text: str, name: str) -> Iterable[str]:
    """The addresses of a batch, one per line, each error naming `name:line`."""
    for number, line in enumerate(text.splitlines(), start=1):
        value = _COMMENT.sub("", line).strip()
        if value:
            yield canonical(value, f"{name}:{number}")


def _read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AddressError(f"{path}: cannot read the address list: {why}") from exc


def _read_stdin(stdin: TextIO | None) -> str:
    if stdin is None:  # no standard input at all (a closed descriptor)
        raise AddressError("<stdin>: '-' was given but there is no standard input")
    try:
        return stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise AddressError(f"<stdin>: cannot read the address list: {exc}") from exc


def _sources(arguments: Sequence[str]) -> str:
    names = ["standard input" if a == STDIN else a[1:] if a.startswith("@") else a
             for a in arguments]
    return ", ".join(names) or "the command line"
