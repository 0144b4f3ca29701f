"""Fixtures of the core tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bitnexus.core.logging import configure_logging


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[list[str]]:
    """The lines the app logs while the test runs, as the configured (JSON) formatter writes
    them."""
    configure_logging("INFO", "json")  # as the session's database fixture does
    root = logging.getLogger()
    handler = _Capture()
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)
