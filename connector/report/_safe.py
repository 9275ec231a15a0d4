"""Text a tenant controls, made inert for a reader: control, direction and surrogate characters.

Portal and provider values (addresses, names, messages) may carry terminal escape sequences, a
carriage return, characters XML cannot hold, lone surrogates (which no UTF-8 file can hold) or
Unicode direction overrides that make `moc.elpmaxe@live` read as something else. Every renderer
except report.json shows such a character as a visible escape (`\\x1b`, `\\u202e`); report.json
keeps the value and writes it as a JSON escape, so it reloads unchanged (a lone surrogate, which
no JSON parser accepts, is written as U+FFFD).
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, direction marks, overrides and isolates,
# line/paragraph separators, BOM, non-characters and lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                    "\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every unsafe character shown as a backslash escape (tab and newline kept)."""
    return UNSAFE.sub(_escape, text)


def json_escaped(text: str) -> str:
    """JSON text with every unsafe character (only ever inside a string) as a \\uXXXX escape:
    the same value once parsed, but nothing a terminal acts on. A lone surrogate, which neither
    UTF-8 nor a JSON parser accepts, becomes U+FFFD (the replacement character)."""
    return UNSAFE.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"
