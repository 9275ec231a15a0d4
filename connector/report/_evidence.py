"""Evidence for report.html: screenshots embedded as data URIs when safely inside the bundle.

An evidence path comes from the report, which may have been edited or produced elsewhere, so it is
treated as untrusted: only a plain relative path that resolves inside the bundle directory is read
or linked, only real PNG/JPEG bytes are embedded, and large files are linked instead of inlined.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_EMBED_BYTES = 2_000_000
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Evidence:
    """One evidence item as report.html shows it."""

    path: str  # as written in the report
    href: str | None  # a relative link, when the path is a safe relative one
    data_uri: str | None  # the embedded image, when it exists and is small enough


def evidence(path: str, root: Path | None) -> Evidence:
    """The thumbnail (or link) for one evidence path relative to the bundle directory `root`."""
    relative = _safe_relative(path)
    if relative is None:
        return Evidence(path=path, href=None, data_uri=None)
    href = relative.as_posix()
    if root is None:
        return Evidence(path=path, href=href, data_uri=None)
    return Evidence(path=path, href=href, data_uri=_data_uri(root, relative))


def _safe_relative(path: str) -> PurePosixPath | None:
    """The path as a relative POSIX path inside the bundle, or None if it could escape it."""
    if not path or "\\" in path or ":" in path or path.startswith("/"):
        return None
    relative = PurePosixPath(path)
    if any(part in ("..", "") for part in relative.parts):
        return None
    return relative


def _data_uri(root: Path, relative: PurePosixPath) -> str | None:
    """The image as a data URI, or None when absent, outside root, too large or not an image."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    if target.stat().st_size > MAX_EMBED_BYTES:
        return None
    data = target.read_bytes()
    for magic, mime in _MAGIC.items():
        if data.startswith(magic):
            return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return None
