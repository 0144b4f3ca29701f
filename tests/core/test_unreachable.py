"""`unreachable` on real failures: no database to talk to, not a statement it refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.core.outage import unreachable
from tests.conftest import free_port


async def _query(url: URL, sql: str = "SELECT 1") -> BaseException:
    """What running `sql` at `url` raises."""
    db = Database(url, pool_size=1)
    try:
        async with db.sessionmaker() as session, session.begin():
            await session.execute(text(sql))
    except Exception as error:
        return error
    finally:
        await db.dispose()
    raise AssertionError("the query succeeded")


async def _no_server_on_port(_: DatabaseUrls) -> BaseException:
    return await _query(make_url(f"postgresql+asyncpg://bitnexus@127.0.0.1:{free_port()}/x"))


async def _no_socket(_: DatabaseUrls) -> BaseException:
    return await _query(make_url("postgresql+asyncpg://bitnexus@/x?host=/nonexistent-dir"))


async def _pool_timeout(_: DatabaseUrls) -> BaseException:
    return sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")


async def _statement_refused(urls: DatabaseUrls) -> BaseException:
    return await _query(urls.app, "SELECT 1 / 0")


async def _a_bug(_: DatabaseUrls) -> BaseException:
    return RuntimeError("unexpected")


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (_no_server_on_port, True),
        (_no_socket, True),
        (_pool_timeout, True),
        (_statement_refused, False),
        (_a_bug, False),
    ],
    ids=["refused", "no-socket", "pool-timeout", "statement-refused", "a-bug"],
)
async def test_unreachable_means_no_database_to_talk_to(
    failure: Callable[[DatabaseUrls], Awaitable[BaseException]],
    expected: bool,
    db_urls: DatabaseUrls,
) -> None:
    # given
    error = await failure(db_urls)

    # when / then
    assert unreachable(error) is expected
