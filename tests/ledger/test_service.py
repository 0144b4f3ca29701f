"""Posting balanced transactions against the real database: rules, idempotency, concurrency."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.ledger import repository, service
from bitnexus.ledger.errors import (
    AccountConflict,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidPostings,
    UnbalancedTransaction,
)
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from bitnexus.tenants import service as tenants
from tests.ledger.support import SALE, balance, integrate, ledger_tenant, post, seqs


async def test_balanced_transaction_moves_balances_then_gets_its_sequence_and_leaf(
    db: Database,
) -> None:
    tid = await ledger_tenant(db)

    posted = await post(db, tid, "sale-1", SALE, metadata={"order": "A-1"})

    assert posted.created
    assert posted.seq is None  # the integrator numbers it, off the write path
    balances = {
        "vendor:1:receivable": 1000,
        "affiliate:1:pending": 900,  # a liability: owed to the affiliate
        "platform:fees": 100,
    }
    # posted balances include unsequenced postings
    assert {code: await balance(db, tid, code) for code in balances} == balances

    assert await integrate(db, tid) == 1
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        again = await service.post_transaction(
            s, tid, idempotency_key="sale-1", postings=SALE, metadata={"order": "A-1"}
        )
        stored = await repository.transaction(s, again.id)
    assert (again.id, again.seq, again.created) == (posted.id, 0, False)
    assert stored is not None
    assert stored.leaf is not None
    assert b'"amount":-900' in stored.leaf
    # now rolled up, not counted twice
    assert {code: await balance(db, tid, code) for code in balances} == balances


@pytest.mark.parametrize(
    ("postings", "error", "field"),
    [
        pytest.param(
            [P("vendor:1:receivable", 1000, "USD"), P("platform:fees", -999, "USD")],
            UnbalancedTransaction,
            "postings",
            id="off-by-one",
        ),
        pytest.param(
            [P("vendor:1:receivable", 1000, "USD")],
            InvalidPostings,
            "postings",
            id="single-posting",
        ),
        pytest.param(
            [P("vendor:1:receivable", 0, "USD"), P("platform:fees", 0, "USD")],
            InvalidPostings,
            "postings.0.amount",
            id="zero",
        ),
        pytest.param(
            [P("vendor:1:receivable", 10, "USD"), P("vendor:1:eur", -10, "EUR")],
            UnbalancedTransaction,
            "postings",
            id="cross-currency",
        ),
        pytest.param(
            [P("vendor:1:receivable", 10, "EUR"), P("vendor:1:eur", -10, "EUR")],
            InvalidPostings,
            "postings.0.currency",
            id="account-currency",
        ),
        pytest.param(
            [P("nope", 10, "USD"), P("platform:fees", -10, "USD")],
            Exception,
            "postings.0.account",
            id="unknown-account",
        ),
        pytest.param(
            [P("vendor:1:receivable", 10.5, "USD"), P("platform:fees", -10.5, "USD")],
            InvalidPostings,
            "postings.0.amount",
            id="float",
        ),  # type: ignore[arg-type]
        pytest.param(
            [P("vendor:1:receivable", 2**63, "USD"), P("platform:fees", -(2**63), "USD")],
            InvalidPostings,
            "postings.0.amount",
            id="overflow",
        ),
    ],
)
async def test_invalid_transactions_are_refused_and_nothing_is_written(
    db: Database, postings: list[P], error: type[Exception], field: str
) -> None:
    tid = await ledger_tenant(db)

    with pytest.raises(error) as caught:
        await post(db, tid, "bad", postings)

    assert caught.value.errors[0].field == field  # type: ignore[attr-defined]
    assert await balance(db, tid, "vendor:1:receivable") == 0
    await post(db, tid, "after", SALE)
    assert await integrate(db, tid) == 1  # nothing else was written


async def test_imbalance_is_named_per_currency(db: Database) -> None:
    tid = await ledger_tenant(db)
    with pytest.raises(UnbalancedTransaction) as caught:
        await post(
            db,
            tid,
            "x",
            [
                P("vendor:1:receivable", 10, "USD"),
                P("platform:fees", -7, "USD"),
                P("vendor:1:eur", 5, "EUR"),
                P("vendor:1:eur", -5, "EUR"),
            ],
        )
    assert caught.value.extra["imbalance"] == {"USD": 3}


async def test_same_key_same_content_returns_the_original(db: Database) -> None:
    tid = await ledger_tenant(db)
    first = await post(db, tid, "k", SALE, metadata={"a": 1})
    again = await post(db, tid, "k", SALE, metadata={"a": 1})
    assert not again.created
    assert again.id == first.id
    assert await balance(db, tid, "vendor:1:receivable") == 1000


async def test_same_key_different_content_is_409_with_both_digests(db: Database) -> None:
    tid = await ledger_tenant(db)
    await post(db, tid, "k", SALE)
    changed = [P("vendor:1:receivable", 2000, "USD"), P("affiliate:1:pending", -2000, "USD")]
    with pytest.raises(IdempotencyConflict) as caught:
        await post(db, tid, "k", changed)
    assert caught.value.status == 409
    assert caught.value.extra["original_digest"] != caught.value.extra["attempted_digest"]


async def test_account_that_may_not_go_negative(db: Database) -> None:
    tid = await ledger_tenant(db)
    await post(
        db,
        tid,
        "mature",
        [P("affiliate:1:pending", 500, "USD"), P("affiliate:1:available", -500, "USD")],
    )
    with pytest.raises(InsufficientBalance):  # paying out 600 of the 500 available
        await post(
            db,
            tid,
            "overdraw",
            [P("affiliate:1:available", 600, "USD"), P("vendor:1:receivable", -600, "USD")],
        )
    assert await balance(db, tid, "affiliate:1:available") == 500
    await post(
        db,
        tid,
        "pay",
        [P("affiliate:1:available", 500, "USD"), P("vendor:1:receivable", -500, "USD")],
    )
    assert await balance(db, tid, "affiliate:1:available") == 0


async def test_concurrent_payouts_never_overdraw_an_account(db: Database) -> None:
    tid = await ledger_tenant(db)
    for i in range(5):  # 500 available: 100 at a time, some of it rolled up, some not yet
        await post(
            db,
            tid,
            f"mature-{i}",
            [P("affiliate:1:pending", 100, "USD"), P("affiliate:1:available", -100, "USD")],
        )
        if i == 2:
            await integrate(db, tid)

    async def payout(i: int) -> bool:
        try:
            await post(
                db,
                tid,
                f"payout-{i}",
                [P("affiliate:1:available", 100, "USD"), P("vendor:1:receivable", -100, "USD")],
            )
        except InsufficientBalance:
            return False
        return True

    results = await asyncio.gather(*(payout(i) for i in range(12)))

    assert sum(results) == 5
    assert await balance(db, tid, "affiliate:1:available") == 0
    await integrate(db, tid)
    assert await balance(db, tid, "affiliate:1:available") == 0


async def test_only_the_integrator_numbers_transactions(
    db: Database, app_engine: Engine, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    await post(db, tid, "a", SALE)
    await post(db, tid, "b", SALE)
    with owner_engine.connect() as conn:
        ids = list(
            conn.execute(
                text("SELECT id FROM ledger_transactions WHERE tenant_id = :t ORDER BY created_at"),
                {"t": tid},
            ).scalars()
        )

    def attempt(sql: str, **params: object) -> None:
        with app_engine.begin() as conn:
            conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(tid)})
            conn.execute(text(sql), params)

    with pytest.raises(DBAPIError, match="permission denied"):
        attempt("UPDATE ledger_transactions SET seq = 0, leaf = 'x'")
    sequence = "SELECT bitnexus_ledger_sequence(:first, CAST(:ids AS uuid[]), :leaves)"
    with pytest.raises(DBAPIError, match="batch starts at 5"):  # a gap
        attempt(sequence, first=5, ids=ids[:1], leaves=[b"x"])
    with pytest.raises(DBAPIError, match="ids but"):
        attempt(sequence, first=0, ids=ids, leaves=[b"x"])
    with pytest.raises(DBAPIError, match="no tenant"), app_engine.begin() as conn:
        conn.execute(text(sequence), {"first": 0, "ids": ids[:1], "leaves": [b"x"]})
    other = await ledger_tenant(db)  # another tenant's transaction is not there to number
    with pytest.raises(DBAPIError, match="0 of 1"), app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(other)})
        conn.execute(text(sequence), {"first": 0, "ids": ids[:1], "leaves": [b"x"]})

    assert await integrate(db, tid) == 2
    with pytest.raises(DBAPIError, match="batch starts at 0, the log at 2"):  # numbered once
        attempt(sequence, first=0, ids=ids[:1], leaves=[b"x"])
    assert await seqs(owner_engine, tid) == [0, 1]


async def test_reversal_references_and_cancels_the_original(db: Database) -> None:
    tid = await ledger_tenant(db)
    original = await post(db, tid, "sale", SALE)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        reversal = await service.reverse_transaction(s, tid, original.id, idempotency_key="refund")
        stored = await repository.transaction(s, reversal.id)
    assert stored is not None
    assert stored.reverses_id == original.id
    assert await integrate(db, tid) == 2
    codes = ("vendor:1:receivable", "affiliate:1:pending", "platform:fees")
    assert {code: await balance(db, tid, code) for code in codes} == dict.fromkeys(codes, 0)


async def test_opening_an_account_twice_is_idempotent_but_terms_must_match(db: Database) -> None:
    tid = await ledger_tenant(db)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, tid)
        a = await service.open_account(
            s, tid, code="platform:fees", kind=AccountKind.revenue, currency="USD"
        )
        assert a.code == "platform:fees"
        with pytest.raises(AccountConflict):
            await service.open_account(
                s, tid, code="platform:fees", kind=AccountKind.asset, currency="USD"
            )


async def test_concurrent_appends_and_retries_are_gapless_and_exact(
    db: Database, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    keys = [f"order-{i % 30}" for i in range(60)]  # every request sent twice, concurrently

    async def attempt(key: str) -> service.Posted:
        return await post(db, tid, key, SALE)

    results = await asyncio.gather(*(attempt(k) for k in keys))

    assert sum(r.created for r in results) == 30
    assert len({r.id for r in results}) == 30
    await integrate(db, tid)
    assert await seqs(owner_engine, tid) == list(range(30))
    assert await balance(db, tid, "vendor:1:receivable") == 30 * 1000


def _worker(url: str, tenant_id: str, keys: list[str], integrates: bool) -> None:
    """Runs in a separate process: appends (each twice), and maybe integrates as it goes."""

    async def main() -> None:
        from sqlalchemy.engine import make_url

        database = Database(make_url(url), pool_size=2)
        tid = uuid.UUID(tenant_id)
        for key in keys:
            for _ in range(2):  # retry every request once, as a client after a timeout would
                await post(database, tid, key, SALE)
            if integrates:
                await integrate(database, tid)
        await database.dispose()

    asyncio.run(main())


async def test_many_processes_appending_at_once(
    db: Database, db_urls: DatabaseUrls, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    url = db_urls.app.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(
            target=_worker,
            args=(url, str(tid), [f"p-{(w + i) % 40}" for i in range(20)], w % 2 == 0),
        )
        for w in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        await asyncio.to_thread(p.join, 120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    await integrate(db, tid)
    numbers = await seqs(owner_engine, tid)
    with owner_engine.connect() as conn:
        keys = conn.execute(
            text(
                "SELECT count(DISTINCT idempotency_key) FROM ledger_transactions WHERE tenant_id = :t"
            ),
            {"t": tid},
        ).scalar()
    assert numbers == list(range(len(numbers)))
    assert keys == len(numbers)
    assert await balance(db, tid, "vendor:1:receivable") == len(numbers) * 1000


async def test_running_balances_equal_the_sum_of_postings(
    db: Database, owner_engine: Engine
) -> None:
    tid = await ledger_tenant(db)
    for i in range(10):
        await post(
            db,
            tid,
            f"s{i}",
            [P("vendor:1:receivable", 100 + i, "USD"), P("platform:fees", -(100 + i), "USD")],
        )
        if i % 4 == 3:
            await integrate(db, tid)
    await integrate(db, tid)
    with owner_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT b.balance, CASE WHEN a.kind IN ('asset', 'expense') THEN 1 ELSE -1 END "
                "       * coalesce(sum(p.amount), 0) AS total FROM ledger_balances b "
                "JOIN ledger_accounts a ON a.tenant_id = b.tenant_id AND a.id = b.account_id "
                "LEFT JOIN ledger_postings p ON p.tenant_id = b.tenant_id AND p.account_id = b.account_id "
                "WHERE b.tenant_id = :t GROUP BY b.account_id, b.balance, a.kind"
            ),
            {"t": tid},
        ).all()
    assert rows
    assert all(r.balance == r.total for r in rows)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_postings SET amount = amount + 1",
        "DELETE FROM ledger_transactions",
        "TRUNCATE ledger_postings",
        "UPDATE ledger_accounts SET code = 'x'",
    ],
    ids=["update-postings", "delete-transactions", "truncate-postings", "rename-accounts"],
)
async def test_ledger_rows_are_append_only(db: Database, app_engine: Engine, sql: str) -> None:
    tid = await ledger_tenant(db)
    await post(db, tid, "sale", SALE)

    with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(tid)})
        conn.execute(text(sql))

    assert await balance(db, tid, "vendor:1:receivable") == 1000


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_postings SET amount = amount + 1",
        "DELETE FROM ledger_postings",
        "TRUNCATE ledger_postings",
    ],
    ids=["update", "delete", "truncate"],
)
async def test_even_a_role_granted_changes_is_stopped_by_the_trigger(
    db: Database, db_urls: DatabaseUrls, sql: str
) -> None:
    """A role granted UPDATE/DELETE (not the owner) still cannot change the ledger."""
    tid = await ledger_tenant(db)
    await post(db, tid, "sale", SALE)
    assert db_urls.superuser is not None
    import psycopg

    with psycopg.connect(libpq(db_urls.superuser.set(database="bitnexus")), autocommit=True) as su:
        su.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_tamperer') "
            "THEN CREATE ROLE ledger_tamperer NOBYPASSRLS; END IF; END $$"
        )
        su.execute(
            "GRANT SELECT, UPDATE, DELETE, TRUNCATE ON ledger_postings, ledger_transactions TO ledger_tamperer"
        )
        su.execute("GRANT ledger_tamperer TO bitnexus_app")
        try:
            with pytest.raises(psycopg.Error, match="append-only"), su.transaction():
                su.execute("SET LOCAL ROLE ledger_tamperer")
                su.execute("SELECT set_config('bitnexus.tenant_id', %s, true)", (str(tid),))
                su.execute(sql)
        finally:
            su.execute("REVOKE ledger_tamperer FROM bitnexus_app")
    assert await balance(db, tid, "vendor:1:receivable") == 1000


async def test_tenants_do_not_see_each_others_ledger(db: Database, app_engine: Engine) -> None:
    a, b = await ledger_tenant(db), await ledger_tenant(db)
    await post(db, a, "sale", SALE)
    with app_engine.begin() as conn:
        conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": str(b)})
        seen = {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("ledger_transactions", "ledger_postings")
        }
        seen["ledger_accounts of the other tenant"] = conn.execute(
            text("SELECT count(*) FROM ledger_accounts WHERE tenant_id = :a"), {"a": str(a)}
        ).scalar()

    assert seen == {
        "ledger_transactions": 0,
        "ledger_postings": 0,
        "ledger_accounts of the other tenant": 0,
    }


async def test_an_account_cannot_belong_to_another_tenants_user(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from bitnexus.accounts.models import Role
    from bitnexus.accounts.service.registration import create_user

    other = await ledger_tenant(db)
    async with db.sessionmaker() as s, s.begin():
        await set_tenant(s, other)
        outsider = await create_user(
            s,
            await tenants.current(s, other),
            email=f"o-{uuid.uuid4().hex[:8]}@example.com",
            name="Outsider",
            password="quartz-lagoon-ember-93",
            role=Role.affiliate,
        )
    tid = await ledger_tenant(db)
    with pytest.raises(IntegrityError, match="fk_ledger_accounts_owner_user"):
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await service.open_account(
                s,
                tid,
                code="affiliate:x:pending",
                kind=AccountKind.liability,
                currency="USD",
                owner_user_id=outsider.id,
            )
