"""Writing a tenant's Prometheus textfile where node_exporter's textfile collector reads it.

node_exporter reads every `*.prom` file of its folder at each scrape, so a file must appear
whole: it is written to a hidden `.tmp` file in the same folder (same file system, and a name the
collector ignores), then renamed over the old one. Unlike the bundle's files it is 0644, not
0600: the collector runs as its own user, and the file holds no person's name or address, only
the tenant name, the connector's vocabularies and numbers.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from connector.errors import ConfigError
from connector.private_files import private_dir

METRICS_FILE_MODE = 0o644


def write_textfile(path: Path, text: str) -> Path:
    """Replace `path` with `text` atomically (mode 0644); a failure is a ConfigError naming
    the `metrics_dir` setting, and leaves the previous file as it was."""
    try:
        private_dir(path.parent)
        _replace(path, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"metrics_dir: cannot write the metrics file {path}: {exc.strerror or exc}",
            remedy="Point metrics_dir (TESSIAN_METRICS_DIR) at a folder this user can write.",
        ) from exc
    return path


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, METRICS_FILE_MODE)  # exact, whatever the umask
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
