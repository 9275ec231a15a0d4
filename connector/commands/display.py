"""Whether a browser window can open here: a headed run on Linux needs an X or Wayland display.

Checked when the settings are ready, before anything is locked, launched or written, so that
`--headed` (or `debug`) on a server is a usage error naming the fix, not an inconclusive run with
Chromium's own multi-line complaint.
"""

from __future__ import annotations

import os
import sys

from connector.errors import ConfigError

NO_DISPLAY = "no display: set DISPLAY or run under xvfb-run"
REMEDY = ("Run under a display ('xvfb-run tessian-connector ...'), set DISPLAY, or leave out "
          "--headed (debug: add --headless; its trace is still recorded).")
# Commands that open a browser (and so a window when headed).
OPENS_BROWSER = frozenset({"verify", "debug", "check", "doctor", "collect", "demo"})


def has_display() -> bool:
    """True unless this is Linux without DISPLAY or WAYLAND_DISPLAY (macOS/Windows always have)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_display(what: str) -> None:
    """Raise the one-line usage error when `what` would open a window and none can open."""
    if not has_display():
        raise ConfigError(f"{NO_DISPLAY} ({what} opens a browser window)", remedy=REMEDY)
