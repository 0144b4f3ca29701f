"""Fixtures of the webhook tests: a local receiver, settings that allow calling it, the
runtime database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from bitnexus.core.config import Settings
from tests.webhooks.support import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


@pytest.fixture
def allowing(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    """The server allows endpoints on private addresses (the local receiver) while the test
    runs, as an operator may (BITNEXUS_WEBHOOKS_ALLOW_PRIVATE)."""
    allowed = settings.model_copy(update={"webhooks_allow_private": True})
    app.state.settings = allowed
    try:
        yield allowed
    finally:
        app.state.settings = settings
