"""Where secrets hide in ordinary text, and how to take them out (no I/O, no logging here).

Two kinds of rule: values known at start-up (passwords, seeds, tokens, keys) are replaced wherever
they appear, in the spellings a secret takes on its way through URLs and JSON; and shapes that are
secret whatever their value: credentials inside a URL (`https://user:pass@host`), a token in a
query string (`?access_token=...`), an `Authorization`-style header value (API-Token, SSWS,
Bearer, Basic), a cookie header and a PEM private key block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words

# Query parameters whose value is a credential (OAuth, signed URLs, API keys).
SECRET_PARAM = (r"(?:access_?token|id_?token|refresh_?token|token|api[_-]?key|apikey|key|secret"
                r"|client_secret|client_assertion|password|passwd|pwd|sig|signature|code|auth"
                r"|session(?:_?id)?|x-amz-signature|x-amz-credential|x-goog-signature)")
_QUERY = re.compile(rf"([?&;]{SECRET_PARAM}=)[^&#\s\"'<>]+", re.IGNORECASE)
_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)[^/?#\s@\"'<>]+@", re.IGNORECASE)
# A header value: "Authorization: <anything>", or a scheme word followed by a token-like word
# (with a digit: "Bearer token" in prose stays readable).
_AUTHORIZATION = re.compile(r"\b((?:proxy-)?authori[sz]ation[\"']?\s*[:=]\s*[\"']?)[^\r\n\"',}]+",
                            re.IGNORECASE)
_SCHEME = re.compile(r"\b(API-Token|SSWS|Bearer|Basic|DPoP)\s+(?=[A-Za-z._~+/=:-]*\d)"
                     r"[A-Za-z0-9._~+/=:-]{8,}")
_COOKIE = re.compile(r"\b((?:set-)?cookie\s*[:=]\s*)[^\r\n\"]+", re.IGNORECASE)
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----"
                  r"|\Z)", re.DOTALL)


def scrub_patterns(text: str) -> str:
    """`text` with every secret-shaped part replaced (values unknown to the caller)."""
    text = _PEM.sub(REDACTED, text)
    text = _USERINFO.sub(rf"\1{REDACTED}@", text)
    text = _QUERY.sub(rf"\1{REDACTED}", text)
    text = _AUTHORIZATION.sub(rf"\1{REDACTED}", text)
    text = _SCHEME.sub(rf"\1 {REDACTED}", text)
    return _COOKIE.sub(rf"\1{REDACTED}", text)


def spellings(secret: str) -> set[str]:
    """The forms a secret takes in logs, URLs and JSON: as is, percent-encoded, JSON-escaped,
    and each line of a multi-line value (a PEM key body is logged a line at a time)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    forms |= {line.strip() for line in secret.splitlines() if "-----" not in line}
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


def scrub_values(text: str, secrets: Iterable[str]) -> str:
    """`text` with every known secret (longest first, so a prefix never leaves a tail) replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def private_key_blocks(text: str) -> list[str]:
    """The PEM private key blocks inside `text` (a certificate file holds its key too)."""
    return [m.group() for m in _PEM.finditer(text)]


def credential_problem(url: str) -> str | None:
    """Why `url` must not be used as a setting (it carries a credential), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None  # not a URL at all: the setting's own validation says so
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not embed credentials (user:password@)"
    if _QUERY.search("?" + parts.query) or _QUERY.search("?" + parts.fragment):
        return "must not carry a credential in its query string"
    return None


def host_of(url: str) -> str:
    """The host (and port) of `url`, never its user name or password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def has_credentials(value: object) -> bool:
    """True when a configuration value looks like it holds a credential (not to be echoed)."""
    return isinstance(value, str) and (credential_problem(value) is not None
                                       or scrub_patterns(value) != value)
