"""Leave the root logger as we found it after each test of the CLI's logging setup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.logging import reset_logging


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """Remove the connector's log handler after every test."""
    yield
    reset_logging()
