"""Where SIGTERM and Ctrl-C become exceptions: never inside Playwright's event loop machinery."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import greenlet
import pytest

from connector.signals import Terminated, in_library_code, signals_raise


def _spin(seconds: float) -> None:
    """Run bytecode (where Python delivers signals) for a while."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _library_function(module: str) -> Callable[[list[str]], None]:
    """A function whose frames belong to `module` (as if Playwright's own code were running)."""
    namespace: dict[str, Any] = {"__name__": module, "os": os, "signal": signal, "spin": _spin}
    exec(
        "def work(log):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    spin(0.1)\n"
        "    log.append('library finished')\n",
        namespace,
    )
    work: Callable[[list[str]], None] = namespace["work"]
    return work


def test_sigterm_in_our_code_raises_terminated_and_the_handlers_come_back() -> None:
    """A SIGTERM while our own code runs raises Terminated there; after the block the previous
    SIGTERM handler is in place again."""
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), signals_raise():
        os.kill(os.getpid(), signal.SIGTERM)
        _spin(5)
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_sigterm_is_left_to_the_default_action() -> None:
    """After the first SIGTERM the default action is back, so a second one kills a stuck run."""
    with signals_raise():
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            _spin(5)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_sigint_raises_keyboard_interrupt_not_terminated() -> None:
    """Ctrl-C inside the block is an interruption (exit 130), not a termination (143)."""
    with pytest.raises(KeyboardInterrupt) as caught, signals_raise():
        os.kill(os.getpid(), signal.SIGINT)
        _spin(5)
    assert not isinstance(caught.value, Terminated)


@pytest.mark.parametrize("module", ["playwright._impl._connection", "asyncio.events"])
def test_a_signal_inside_library_code_waits_until_it_returns(module: str) -> None:
    """A SIGTERM that arrives while Playwright or asyncio code runs is raised only once control
    is back in our code: the library function runs to its end."""
    log: list[str] = []
    with pytest.raises(Terminated), signals_raise():
        _library_function(module)(log)
        log.append("back in our code")
        _spin(5)
    assert log == ["library finished", "back in our code"]


def test_a_signal_in_the_dispatcher_is_thrown_into_the_waiting_main_greenlet() -> None:
    """A SIGTERM while a child of the main greenlet runs (Playwright's dispatcher) raises in the
    main greenlet; the child stays suspended where it was and finishes its work when resumed."""
    log: list[str] = []

    def dispatcher() -> str:
        log.append("dispatching")
        os.kill(os.getpid(), signal.SIGTERM)
        _spin(0.2)
        log.append("dispatched")
        return "reply"

    child = greenlet.greenlet(dispatcher)
    with signals_raise():
        with pytest.raises(Terminated):
            child.switch()
        assert log == ["dispatching"] and not child.dead
        assert child.switch() == "reply"
    assert log == ["dispatching", "dispatched"] and child.dead


def test_a_signal_in_a_grandchild_greenlet_waits_for_the_dispatcher_or_main() -> None:
    """A SIGTERM while a callback greenlet (a child of the dispatcher) runs is not raised there:
    the callback finishes, and the signal reaches the main greenlet after."""
    log: list[str] = []

    def callback() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        _spin(0.1)
        log.append("callback finished")

    def dispatcher() -> None:
        greenlet.greenlet(callback).switch()
        log.append("dispatcher finished")

    with pytest.raises(Terminated), signals_raise():
        greenlet.greenlet(dispatcher).switch()
        _spin(5)
    assert log[0] == "callback finished"


def test_library_code_is_recognised_by_the_module_of_any_calling_frame() -> None:
    """Our code called from inside Playwright counts as Playwright's (its caller is there)."""
    namespace: dict[str, Any] = {"__name__": "playwright.sync_api._generated"}
    exec("def call(f):\n    return f()\n", namespace)
    assert namespace["call"](lambda: in_library_code(sys._getframe()))
    assert not in_library_code(sys._getframe())
