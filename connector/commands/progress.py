"""Progress of a run: a rich spinner per step on a terminal, structured log events otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from connector.logging import get_logger


class Steps:
    """Announce the steps of a run; on a terminal with rich, off one as JSON log events."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._log = get_logger("connector.progress")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step, showing it as running, then done (with its duration) or failed."""
        started = time.monotonic()
        if not self._tty:
            self._log.info("step started", step=name)
            yield
            self._log.info("step done", step=name, seconds=round(time.monotonic() - started, 2))
            return
        from rich.console import Console

        console = Console(file=self._stream)
        with console.status(f"{name}…"):
            try:
                yield
            except BaseException:
                console.print(f"[red]✗[/red] {name}")
                raise
        console.print(f"[green]✓[/green] {name} [dim]({time.monotonic() - started:.1f}s)[/dim]")
