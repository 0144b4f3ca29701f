"""Which errors mean the database cannot be reached, and the outage log's one line per interval."""

from __future__ import annotations

import json

import asyncpg
import pytest
import structlog
from sqlalchemy import exc as sa_exc

from bitnexus.core.outage import DatabaseUnreachable, OutageLog, log_failure, unavailable_cause


def _raised_from(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        pytest.param(DatabaseUnreachable("[Errno 111] refused"), True, id="connect-refused"),
        pytest.param(asyncpg.CannotConnectNowError("starting up"), True, id="cannot-connect-now"),
        pytest.param(asyncpg.ConnectionDoesNotExistError("closed"), True, id="connection-gone"),
        pytest.param(asyncpg.AdminShutdownError("shutting down"), True, id="admin-shutdown"),
        pytest.param(asyncpg.TooManyConnectionsError("no slot"), True, id="too-many-connections"),
        pytest.param(
            asyncpg.InterfaceError("cannot perform operation: connection is closed"),
            True,
            id="asyncpg-closed",
        ),
        pytest.param(sa_exc.TimeoutError("QueuePool limit reached"), True, id="pool-timeout"),
        pytest.param(
            sa_exc.OperationalError("SELECT 1", {}, Exception("lost"), connection_invalidated=True),
            True,
            id="sqlalchemy-invalidated",
        ),
        pytest.param(
            _raised_from(
                sa_exc.InterfaceError("SELECT 1", {}, Exception("x")),
                asyncpg.ConnectionDoesNotExistError("closed in the middle of operation"),
            ),
            True,
            id="sqlalchemy-wrapping-lost-connection",
        ),
        pytest.param(
            asyncpg.InternalClientError(
                "cannot switch to state 12; another operation (2) is in progress"
            ),
            True,
            id="ended-by-the-server-its-close-unread",  # tests/core/test_ended_connection.py
        ),
        pytest.param(asyncpg.InternalClientError("unexpected codec error"), False, id="driver-bug"),
        pytest.param(
            sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
            False,
            id="integrity-error",
        ),
        pytest.param(asyncpg.UniqueViolationError("duplicate key"), False, id="unique-violation"),
        pytest.param(
            asyncpg.InterfaceError("another operation is in progress"), False, id="misuse"
        ),
        pytest.param(FileNotFoundError("no such file"), False, id="a-file-not-the-database"),
        pytest.param(ConnectionRefusedError("smtp refused"), False, id="another-service"),
        pytest.param(ValueError("bug"), False, id="bug"),
    ],
)
def test_classifies_database_unavailable(error: Exception, unavailable: bool) -> None:
    assert (unavailable_cause(error) is not None) is unavailable


@pytest.mark.parametrize(
    ("refusals_at", "expected_counts"),
    [
        pytest.param([0.0], [1], id="first-refusal-logged-at-once"),
        pytest.param([0.0, 1.0, 2.0, 9.9], [1], id="within-interval-counted-not-logged"),
        pytest.param([0.0, 1.0, 2.0, 10.0], [1, 3], id="next-line-carries-the-count"),
        pytest.param([0.0, 30.0, 31.0, 45.0], [1, 1, 2], id="quiet-gaps"),
    ],
)
def test_outage_log_says_it_once_per_interval_with_a_count(
    captured: list[str], refusals_at: list[float], expected_counts: list[int]
) -> None:
    # given an outage log with a 10 s interval and a clock the test moves
    now = [0.0]
    outage = OutageLog(interval=10.0, clock=lambda: now[0])

    # when requests are refused at the given times
    for at in refusals_at:
        now[0] = at
        outage.refused(DatabaseUnreachable("[Errno 111] Connection refused"))

    # then one warning per interval, each with the requests refused since the previous one
    lines = [json.loads(line) for line in captured]
    lines = [line for line in lines if line["event"] == "database.unavailable"]
    assert [line["refused"] for line in lines] == expected_counts
    assert {line["level"] for line in lines} == {"warning"}
    assert all("exception" not in line for line in lines)


@pytest.mark.parametrize(
    ("error", "level"),
    [
        pytest.param(ConnectionResetError("reset by peer"), "warning", id="socket"),
        pytest.param(asyncpg.AdminShutdownError("shutting down"), "warning", id="shutdown"),
        pytest.param(asyncpg.UndefinedTableError("no such table"), "warning", id="refused"),
        pytest.param(
            asyncpg.InterfaceError("cannot perform operation: connection is closed"),
            "warning",
            id="closed",
        ),
        pytest.param(
            _raised_from(
                sa_exc.InternalError("SELECT 1", {}, Exception("x")),
                asyncpg.InternalClientError("cannot switch to state 15; another operation (2)"),
            ),
            "warning",
            id="ended-through-a-session",
        ),
        pytest.param(KeyError("currency"), "error", id="a-bug"),
    ],
)
def test_a_loop_logs_a_failure_with_a_traceback_only_when_it_is_a_bug(
    captured: list[str], error: Exception, level: str
) -> None:
    # given a failure, raised as a loop on a connection of its own would see it
    try:
        raise error
    except Exception as raised:
        # when the loop logs it
        log_failure(structlog.get_logger("test"), "loop.failed", raised, loop="test")

    # then one line at the level for it, a traceback only for a bug
    [line] = [json.loads(line) for line in captured]
    assert (line["event"], line["loop"], line["level"]) == ("loop.failed", "test", level)
    assert ("exception" in line) is (level == "error")
