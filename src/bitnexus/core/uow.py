"""Unit of work helpers: work that must wait until the request's transaction has committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

AfterCommit = Callable[[], Awaitable[None]]
_KEY = "bitnexus.after_commit"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the current unit of work commits; dropped on rollback."""
    session.info.setdefault(_KEY, []).append(callback)


def take_after_commit(session: AsyncSession) -> list[AfterCommit]:
    callbacks: list[AfterCommit] = session.info.pop(_KEY, [])
    return callbacks
