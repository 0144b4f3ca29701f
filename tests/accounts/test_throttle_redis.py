"""Failed-login throttling with Redis: the failures are counted there, across processes,
without a database write per attempt; while Redis is gone they are counted in the database
as without it, and a login never fails with a server error for it."""

from __future__ import annotations

import httpx
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import AppWith, ClientFactory
from tests.factories import Program, login, signup_org
from tests.redis_server import RedisServer
from tests.tracking.support import live_link


def _throttle_rows(owner_engine: Engine) -> int:
    with owner_engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM auth_throttle")).scalar_one())


async def _two_processes(app_with: AppWith, redis_url: str) -> list[httpx.AsyncClient]:
    return [
        await app_with(redis_url=SecretStr(redis_url), login_max_failures_per_account=4)
        for _ in range(2)
    ]


async def test_failures_in_two_processes_add_up_to_a_lockout(
    make_client: ClientFactory, app_with: AppWith, redis_url: str, owner_engine: Engine
) -> None:
    # given an admin, and two processes sharing Redis
    admin = await signup_org(make_client())
    a, b = await _two_processes(app_with, redis_url)
    rows_before = _throttle_rows(owner_engine)

    # when wrong passwords are tried in turn through each process, up to the limit
    statuses = [
        (await login(process, admin.slug, admin.email, f"wrong-guess-{i}-xyz")).status_code
        for i, process in enumerate([a, b, a, b])
    ]
    locked = await login(a, admin.slug, admin.email)  # the right password

    # then the account is locked out in both, and the database was not written to
    assert statuses == [401] * 4
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert (await login(b, admin.slug, admin.email)).status_code == 429
    assert _throttle_rows(owner_engine) == rows_before


async def test_a_success_counts_the_failures_from_zero_again(
    make_client: ClientFactory, app_with: AppWith, redis_url: str
) -> None:
    admin = await signup_org(make_client())
    a, b = await _two_processes(app_with, redis_url)

    for i in range(3):
        assert (await login(a, admin.slug, admin.email, f"wrong-{i}-guess")).status_code == 401
    assert (await login(b, admin.slug, admin.email)).status_code == 200
    for i in range(3):
        assert (await login(b, admin.slug, admin.email, f"wrong-{i}-again")).status_code == 401

    assert (await login(a, admin.slug, admin.email)).status_code == 200


async def test_while_redis_is_gone_failures_are_counted_in_the_database(
    make_client: ClientFactory,
    app_with: AppWith,
    redis_url: str,
    redis_server: RedisServer,
    owner_engine: Engine,
) -> None:
    # given two processes configured with Redis, and Redis gone
    admin = await signup_org(make_client())
    a, b = await _two_processes(app_with, redis_url)
    redis_server.stop()
    rows_before = _throttle_rows(owner_engine)

    # when wrong passwords are tried up to the limit
    statuses = [
        (await login(process, admin.slug, admin.email, f"wrong-guess-{i}-xyz")).status_code
        for i, process in enumerate([a, b, a, b])
    ]

    # then every answer is the usual one (no 5xx), counted as without Redis, and it locks out;
    # once Redis is back the lockout made meanwhile still holds
    assert statuses == [401] * 4
    assert (await login(b, admin.slug, admin.email)).status_code == 429
    assert _throttle_rows(owner_engine) > rows_before
    redis_server.start()
    assert (await login(a, admin.slug, admin.email)).status_code == 429


async def test_without_redis_url_nothing_touches_redis(
    make_client: ClientFactory, program: Program, redis_url: str, redis_server: RedisServer
) -> None:
    # given the app of the tests, configured without REDIS_URL, and a running Redis
    client = redis_server.client()
    try:
        before = int(client.info("stats")["total_connections_received"])

        # when people log in (and fail to), links are made and followed, events flow
        admin = await signup_org(make_client())
        assert (
            await login(make_client(), admin.slug, admin.email, "wrong-x-123")
        ).status_code == 401
        link = await live_link(program)
        r = await make_client().get(f"/r/{link['code']}")
        assert r.status_code == 302

        # then the Redis server saw no connection but the test's own
        after = int(client.info("stats")["total_connections_received"])
        assert after == before
    finally:
        client.close()
