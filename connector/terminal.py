"""Text from the portal or a provider, made safe to print on a terminal or in a log line.

A value read from a tenant may hold terminal escape sequences (`\\x1b[2J`, OSC 8 links, a bell),
a carriage return that overwrites what was printed, Unicode direction overrides that reorder what
a reader sees, or lone surrogates that crash an encoder. `printable` shows each such character as
a visible escape (`\\x1b`, `\\u202e`) instead of letting the terminal act on it.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline handled by the caller's choice), DEL, C1 controls, direction
# marks/overrides/isolates, line/paragraph separators, BOM, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_FIELD = re.compile(f"[\t\n{_UNSAFE.pattern[1:-1]}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, multiline: bool = False) -> str:
    """`text` with every control, direction and surrogate character shown as an escape; tabs and
    newlines too unless `multiline` (one field of a tab-separated line must stay one field)."""
    pattern = _UNSAFE if multiline else _UNSAFE_FIELD
    return pattern.sub(_escape, str(text))
