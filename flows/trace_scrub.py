"""Take credentials out of a saved Playwright trace: cookie and authorization headers, cookies.

Tracing starts after sign-in, so no password or code is recorded; but every request a trace
records carries the session cookie (and an API call its `Authorization` header), and a trace is
shared with whoever debugs the run. The network log (`*.network`) and the action log (`*.trace`)
are JSON lines: each is parsed and every header value and cookie value that is a credential is
replaced, then the archive is written back (same members, same mode).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization",
                            "x-api-key", "x-csrf-token", "x-xsrf-token"})


def scrub_trace(path: Path) -> None:
    """Rewrite the trace zip at `path` with credential headers and cookie values redacted."""
    scrubbed = path.with_name(path.name + ".scrub")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(
        scrubbed, "w", compression=zipfile.ZIP_DEFLATED
    ) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith((".network", ".trace")):
                data = _scrub_lines(data)
            target.writestr(info, data)
    os.chmod(scrubbed, path.stat().st_mode & 0o777)
    os.replace(scrubbed, path)


def _scrub_lines(data: bytes) -> bytes:
    lines = []
    for line in data.split(b"\n"):
        try:
            event = json.loads(line)
        except ValueError:
            lines.append(line)  # not JSON (an empty last line): kept as it is
            continue
        lines.append(json.dumps(_scrub(event), separators=(",", ":")).encode())
    return b"\n".join(lines)


def _scrub(value: Any) -> Any:
    """`value` with secret headers ({name, value} pairs) and every cookie's value redacted."""
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _scrub(v) for k, v in value.items()}
    name = out.get("name")
    if isinstance(name, str) and name.casefold() in SECRET_HEADERS and "value" in out:
        out["value"] = REDACTED
    if isinstance(out.get("cookies"), list):
        out["cookies"] = [{**c, "value": REDACTED} if isinstance(c, dict) else c
                          for c in out["cookies"]]
    return out
