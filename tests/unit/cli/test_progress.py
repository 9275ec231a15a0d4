"""Run progress: rich on a terminal, structured log events otherwise."""

from __future__ import annotations

import io
import json

import pytest

from connector.commands.progress import Steps
from connector.logging import configure_logging


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_terminal_gets_rich_step_lines() -> None:
    """On a terminal each finished step is printed with a check mark and its duration."""
    tty = FakeTerminal()
    with Steps(tty).step("Reading the portal"):
        pass
    assert "✓" in tty.getvalue() and "Reading the portal" in tty.getvalue()


def test_failed_step_is_marked_on_a_terminal() -> None:
    """A step that raises is shown as failed, and the error still propagates."""
    tty = FakeTerminal()
    with pytest.raises(RuntimeError), Steps(tty).step("Signing in"):
        raise RuntimeError("no")
    assert "✗" in tty.getvalue()


def test_no_terminal_gets_json_events() -> None:
    """Off a terminal, steps become 'step started' / 'step done' JSON log events."""
    logs = io.StringIO()
    configure_logging(stream=logs)
    with Steps(io.StringIO()).step("Evaluating"):
        pass
    events = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["step started", "step done"]
    assert all(e["step"] == "Evaluating" for e in events) and "seconds" in events[1]
