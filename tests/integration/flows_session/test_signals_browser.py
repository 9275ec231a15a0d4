"""Signals landing inside real Playwright calls: raised in our code, the connection left whole."""

from __future__ import annotations

import os
import random
import signal
import threading

import pytest
from playwright.sync_api import Page

from connector.signals import Terminated, signals_raise

pytestmark = pytest.mark.integration
SHORT_WAIT = "() => new Promise(resolve => setTimeout(resolve, 3))"


def _terminated_during_calls(page: Page, delay_s: float) -> None:
    """Make Playwright calls until a SIGTERM sent after `delay_s` raises Terminated."""
    timer = threading.Timer(delay_s, os.kill, (os.getpid(), signal.SIGTERM))
    with signals_raise():
        with pytest.raises(Terminated):
            timer.start()
            while True:
                page.evaluate(SHORT_WAIT)
                page.title()
        timer.join()


@pytest.mark.timeout(180)
def test_sigterms_inside_playwright_calls_never_lose_a_reply(page: Page) -> None:
    """Each of many SIGTERMs at random moments of Playwright calls raises Terminated, and the page
    answers right after every one (a signal raised inside Playwright's event loop once lost a
    driver reply: the run then hung, or read every page as not loaded and exited 3)."""
    rng = random.Random(20261203)
    for attempt in range(60):
        _terminated_during_calls(page, rng.uniform(0.0, 0.03))
        assert page.evaluate("() => 6 * 7") == 42, attempt
        assert page.title() == "", attempt
