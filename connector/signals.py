"""SIGTERM and Ctrl-C as exceptions, raised only where they cannot corrupt Playwright's loop.

Python runs a signal handler between two bytecodes of whatever is running. With Playwright's
sync API that is often the greenlet running its asyncio loop (the dispatcher), in the middle of
handing a driver message to its waiter: an exception raised there loses the message, and the run
then hangs on a reply that never comes or reads every page as not loaded (a SIGTERM once ended
in exit 3, an inconclusive report, instead of 143). So the handler raises:

    main greenlet, outside Playwright/asyncio/greenlet code  -> right there
    the dispatcher (a child of the main greenlet)            -> thrown into the main greenlet,
                                                                which waits in a Playwright call;
                                                                the dispatcher stays suspended
                                                                intact, and the next call (the
                                                                cleanup) resumes it where it was
    anywhere else (Playwright internals, a callback)         -> again in 10 ms, until one of the
                                                                two above
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

RETRY_SECONDS = 0.01
_LIBRARIES = ("playwright", "asyncio", "greenlet")
_HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)
_retried: list[bool] = []  # non-empty once a delivery used the timer (SIGALRM) in this block


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler stopping the run): unwinds like Ctrl-C, so locks are released, the
    browser is closed and the bundle records that the run was stopped."""


@contextmanager
def signals_raise() -> Iterator[None]:
    """Inside the block SIGTERM raises `Terminated` and SIGINT `KeyboardInterrupt` at a safe
    point (main thread only; the old handlers after). A second SIGTERM kills as usual.

    Without it SIGTERM kills Python on the spot: no `finally` runs, so a bundle could be left
    without its run.json and the lock's owner note behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in _HANDLED}
    timer = signal.getitimer(signal.ITIMER_REAL)  # pytest-timeout's, say: left alone unless retried
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, _on_sigint)
    _retried.clear()
    try:
        yield
    finally:
        if _retried:
            signal.setitimer(signal.ITIMER_REAL, *timer)
        for number, handler in previous.items():
            if handler is not None:  # None: installed outside Python, cannot be put back
                signal.signal(number, handler)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    deliver(Terminated, frame)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    deliver(KeyboardInterrupt, frame)


def deliver(exc_type: type[KeyboardInterrupt], frame: FrameType | None) -> None:
    """Raise `exc_type` here, throw it into the main greenlet, or try again shortly."""
    current = _current_greenlet()
    parent = getattr(current, "parent", None)
    if parent is None and not in_library_code(frame):
        raise exc_type
    if parent is not None and parent.parent is None:
        parent.throw(exc_type)  # returns when the main greenlet resumes the dispatcher
        return
    _retry(exc_type)


def in_library_code(frame: FrameType | None) -> bool:
    """Whether `frame` or a caller of it runs Playwright, asyncio or greenlet code."""
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] in _LIBRARIES:
            return True
        frame = frame.f_back
    return False


def _retry(exc_type: type[KeyboardInterrupt]) -> None:
    def again(signum: int, frame: FrameType | None) -> None:
        deliver(exc_type, frame)

    _retried.append(True)
    signal.signal(signal.SIGALRM, again)
    signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)


def _current_greenlet() -> Any:
    try:
        import greenlet
    except ImportError:  # no Playwright installed, so no greenlets either
        return None
    return greenlet.getcurrent()
