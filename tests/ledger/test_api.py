"""The ledger API: transactions, blocks, proofs and receipts that verify offline; isolation."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import merkle, note, receipt, service, signing, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from tests.conftest import AppWith, ClientFactory
from tests.factories import Account, make_ledger, signup_affiliate, signup_org
from tests.ledger import forgery


async def test_receipt_verifies_offline_and_tampering_fails(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings
) -> None:
    admin = await signup_org(make_client())
    ids = await make_ledger(db_urls, settings, admin, 7, seal_at=(4, 7))
    anon = make_client()

    vkey = (await anon.get(f"/api/v1/public/tenants/{admin.slug}/ledger/verifier-key")).text.strip()
    r = await admin.client.get(
        f"/api/v1/ledger/transactions/{ids[2]}/receipt", headers=admin.headers
    )

    assert r.status_code == 200, r.text
    assert r.text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    got, checkpoint = receipt.verify(r.text, note.parse_verifier(vkey))
    assert got.index == 2
    assert checkpoint.size == 7
    assert b'"amount":1002' in got.leaf
    forged = r.text.replace(
        base64.b64encode(got.leaf).decode(),
        base64.b64encode(got.leaf.replace(b"1002", b"9002")).decode(),
    )
    with pytest.raises(note.NoteError):
        receipt.verify(forged, note.parse_verifier(vkey))
    other_key = note.Signer.generate(note.parse_verifier(vkey).name).verifier
    with pytest.raises(note.NoteError):
        receipt.verify(r.text, other_key)


@pytest.fixture
async def ledger(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings
) -> tuple[Account, list[str]]:
    """An organisation's admin and nine sales: block 0 seals sales 0-2, block 1 sales 3-7, and
    the ninth is posted but not yet numbered."""
    admin = await signup_org(make_client())
    return admin, await make_ledger(db_urls, settings, admin, 9, seal_at=(3, 8))


async def _integrate(db_urls: DatabaseUrls, admin: Account) -> int:
    """Number the pending transactions, as the server's integrator does."""
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, uuid.UUID(admin.tenant_id))
            return await tree.integrate(s, uuid.UUID(admin.tenant_id))
    finally:
        await db.dispose()


async def test_a_transaction_is_proven_in_its_block_and_blocks_are_consistent(
    ledger: tuple[Account, list[str]],
) -> None:
    admin, ids = ledger
    c, h = admin.client, admin.headers

    txn = (await c.get(f"/api/v1/ledger/transactions/{ids[1]}", headers=h)).json()
    page1 = (await c.get("/api/v1/ledger/blocks?limit=1", headers=h)).json()
    page2 = (
        await c.get(f"/api/v1/ledger/blocks?limit=1&cursor={page1['next_cursor']}", headers=h)
    ).json()
    block0 = (await c.get("/api/v1/ledger/blocks/0", headers=h)).json()
    incl = (
        await c.get(f"/api/v1/ledger/transactions/{ids[1]}/inclusion?tree_size=3", headers=h)
    ).json()
    cons = (await c.get("/api/v1/ledger/consistency?from_size=3&to_size=8", headers=h)).json()

    assert txn["leaf_index"] == 1
    assert [(p["account"], p["amount"], p["currency"]) for p in txn["postings"]] == [
        ("vendor:1:receivable", 1001, "USD"),
        ("affiliate:1:pending", -1001, "USD"),
    ]
    assert [b["height"] for b in page1["items"] + page2["items"]] == [1, 0]
    assert page2["next_cursor"] is None
    assert block0["tree_size"] == 3
    b64 = base64.b64decode
    merkle.verify_inclusion(
        1,
        3,
        merkle.leaf_hash(b64(txn["leaf"])),
        [b64(p) for p in incl["proof"]],
        b64(block0["root_hash"]),
    )
    merkle.verify_consistency(
        3,
        8,
        b64(block0["root_hash"]),
        b64(page1["items"][0]["root_hash"]),
        [b64(p) for p in cons["proof"]],
    )


async def test_a_block_lists_the_transactions_it_sealed(
    ledger: tuple[Account, list[str]],
) -> None:
    admin, _ = ledger
    c, h = admin.client, admin.headers

    block0 = (await c.get("/api/v1/ledger/blocks/0", headers=h)).json()
    block1 = (await c.get("/api/v1/ledger/blocks/1", headers=h)).json()
    sealed: list[int] = []
    url = "/api/v1/ledger/transactions?from_seq=3&to_seq=8&limit=2"
    while url:  # page through block 1's range two at a time
        page = (await c.get(url, headers=h)).json()
        sealed += [t["seq"] for t in page["items"]]
        cursor = page["next_cursor"]
        url = (
            f"/api/v1/ledger/transactions?from_seq=3&to_seq=8&limit=2&cursor={cursor}"
            if cursor
            else ""
        )
    everything = (await c.get("/api/v1/ledger/transactions", headers=h)).json()

    # block 1 sealed sales 3..7; the transaction list pages through exactly those
    assert (block0["first_seq"], block1["first_seq"], block1["tree_size"]) == (0, 3, 8)
    assert block1["cosignatures"] == []
    assert sealed == [7, 6, 5, 4, 3]
    assert [t["seq"] for t in everything["items"]] == list(range(7, -1, -1))


async def test_a_posted_transaction_waits_for_its_sequence_number_then_its_block(
    ledger: tuple[Account, list[str]], db_urls: DatabaseUrls
) -> None:
    # given the ninth sale, posted but not numbered
    admin, ids = ledger
    c, h = admin.client, admin.headers
    ninth = (await c.get(f"/api/v1/ledger/transactions/{ids[8]}", headers=h)).json()
    assert (ninth["seq"], ninth["leaf"], ninth["leaf_index"]) == (None, None, None)
    waiting = await c.get(f"/api/v1/ledger/transactions/{ids[8]}/receipt", headers=h)
    assert waiting.status_code == 409
    assert "sequence number" in waiting.json()["detail"]

    # when the integrator numbers it
    assert await _integrate(db_urls, admin) == 9

    # then it heads the list, and its receipt waits for a signed checkpoint
    everything = (await c.get("/api/v1/ledger/transactions", headers=h)).json()
    assert everything["items"][0] == {**everything["items"][0], "seq": 8, "id": ids[8]}
    unsealed = await c.get(f"/api/v1/ledger/transactions/{ids[8]}/receipt", headers=h)
    assert unsealed.status_code == 409
    assert "signed checkpoint" in unsealed.json()["detail"]


async def test_unknown_sizes_ids_and_cursors_are_clear_errors(
    ledger: tuple[Account, list[str]],
) -> None:
    admin, ids = ledger
    c, h = admin.client, admin.headers

    bad_size = await c.get(f"/api/v1/ledger/transactions/{ids[1]}/inclusion?tree_size=5", headers=h)
    unknown = await c.get(f"/api/v1/ledger/transactions/{uuid.uuid4()}", headers=h)
    bad_cursor = await c.get("/api/v1/ledger/blocks?cursor=x", headers=h)
    negative = await c.get("/api/v1/ledger/transactions?from_seq=-1", headers=h)
    tx_cursor = await c.get("/api/v1/ledger/transactions?cursor=abc", headers=h)
    no_block = await c.get("/api/v1/ledger/blocks/9", headers=h)

    assert bad_size.status_code == 404
    assert bad_size.json()["errors"][0]["field"] == "tree_size"
    assert unknown.status_code == 404
    assert bad_cursor.status_code == 400
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "from_seq"
    assert tx_cursor.status_code == 400
    assert no_block.status_code == 404


async def test_no_tenant_sees_another_tenants_ledger(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings
) -> None:
    a = await signup_org(make_client())
    b = await signup_org(make_client())
    ids = await make_ledger(db_urls, settings, a, 2, seal_at=(2,))
    aff = await signup_affiliate(make_client(), a.slug)

    paths = [
        f"/api/v1/ledger/transactions/{ids[0]}",
        f"/api/v1/ledger/transactions/{ids[0]}/receipt",
        f"/api/v1/ledger/transactions/{ids[0]}/inclusion",
        "/api/v1/ledger/blocks/0",
        "/api/v1/ledger/accounts/vendor:1:receivable/statement",
    ]

    by_b = {path: (await b.client.get(path, headers=b.headers)).status_code for path in paths}
    by_aff = {path: (await aff.client.get(path, headers=aff.headers)).status_code for path in paths}

    assert by_b == dict.fromkeys(paths, 404)
    # an affiliate of A owns none of these accounts: the transactions do not exist for them
    assert by_aff == {path: 403 if "blocks" in path else 404 for path in paths}
    assert (await aff.client.get("/api/v1/ledger/accounts", headers=aff.headers)).json() == []
    assert (await b.client.get("/api/v1/ledger/blocks", headers=b.headers)).json()["items"] == []
    listed = await b.client.get("/api/v1/ledger/transactions", headers=b.headers)
    assert listed.json()["items"] == []
    aff_list = await aff.client.get("/api/v1/ledger/transactions", headers=aff.headers)
    assert aff_list.status_code == 403
    assert (
        await b.client.get("/api/v1/ledger/consistency?from_size=0&to_size=2", headers=b.headers)
    ).status_code == 404


async def _commission(
    s: AsyncSession, tid: uuid.UUID, i: int, affiliate_id: str, amount: int
) -> uuid.UUID:
    posted = await service.post_transaction(
        s,
        tid,
        idempotency_key=f"c{i}",
        description=f"Commission {i}",
        postings=[
            P("vendor:1:receivable", amount, "USD"),
            P(f"affiliate:{affiliate_id}:pending", -amount, "USD"),
        ],
    )
    return posted.id


async def test_affiliates_see_their_own_accounts_statements_and_receipts(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings
) -> None:
    # given sealed commissions to Alice (7.00, 2.50) and Bob (3.00)
    admin = await signup_org(make_client())
    alice = await signup_affiliate(make_client(), admin.slug)
    bob = await signup_affiliate(make_client(), admin.slug)
    db = Database(db_urls.app, pool_size=2)
    tid = uuid.UUID(admin.tenant_id)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            await service.open_account(
                s, tid, code="vendor:1:receivable", kind=AccountKind.asset, currency="USD"
            )
            for who in (alice, bob):
                await service.open_account(
                    s,
                    tid,
                    code=f"affiliate:{who.id}:pending",
                    kind=AccountKind.liability,
                    currency="USD",
                    owner_user_id=uuid.UUID(who.id),
                )
            ids = []
            for i, (who, amount) in enumerate([(alice, 700), (bob, 300), (alice, 250)]):
                ids.append(str(await _commission(s, tid, i, who.id, amount)))
            await tree.integrate(s, tid)
            identity = await signing.identity_for(s, settings, tid, admin.slug)
            await tree.seal(s, tid, identity)
    finally:
        await db.dispose()
    a, h = alice.client, alice.headers

    # when Alice reads the ledger
    accounts = (await a.get("/api/v1/ledger/accounts", headers=h)).json()
    statement = (
        await a.get(f"/api/v1/ledger/accounts/affiliate:{alice.id}:pending/statement", headers=h)
    ).json()
    own_receipt = await a.get(f"/api/v1/ledger/transactions/{ids[2]}/receipt", headers=h)
    bobs = await a.get(f"/api/v1/ledger/transactions/{ids[1]}", headers=h)
    bobs_statement = await a.get(
        f"/api/v1/ledger/accounts/affiliate:{bob.id}:pending/statement", headers=h
    )
    everything = (await admin.client.get("/api/v1/ledger/accounts", headers=admin.headers)).json()

    # then she sees her own account, statement and receipts, none of Bob's; the admin sees all
    assert [x["code"] for x in accounts] == [f"affiliate:{alice.id}:pending"]
    assert accounts[0]["balance"] == 950
    assert [(x["amount"], x["balance"]) for x in statement["items"]] == [(250, 950), (700, 700)]
    assert statement["items"][0]["description"] == "Commission 2"
    assert own_receipt.status_code == 200
    assert bobs.status_code == 404
    assert bobs_statement.status_code == 404
    assert len(everything) == 3
    receipt.verify(own_receipt.text, identity.signer.verifier)

    # when two more commissions are posted but not yet sequenced
    db = Database(db_urls.app, pool_size=1)
    try:
        async with db.sessionmaker() as s, s.begin():
            await set_tenant(s, tid)
            for i, amount in ((3, 40), (4, 10)):
                await _commission(s, tid, i, alice.id, amount)
    finally:
        await db.dispose()
    url = f"/api/v1/ledger/accounts/affiliate:{alice.id}:pending/statement?limit=1"
    first = (await a.get(url, headers=h)).json()
    rest = (await a.get(f"{url}&cursor={first['next_cursor']}", headers=h)).json()

    # then they count in the balance and head the statement's first page
    assert first["account"]["balance"] == 1000
    assert [(x["seq"], x["amount"], x["balance"]) for x in first["items"]] == [
        (None, 10, 1000),
        (None, 40, 990),
        (2, 250, 950),
    ]
    assert [(x["seq"], x["balance"]) for x in rest["items"]] == [(0, 700)]
    assert rest["next_cursor"] is None


GOOD_ALARM = {"reporter": "m.example/1", "kind": "fork", "detail": "two roots at size 3"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "mystery"}, "kind"),
        ({"detail": "x" * 2001}, "detail"),
        ({"reporter": ""}, "reporter"),
        ({"tree_size": -1}, "tree_size"),
        ({"entry_index": "one"}, "entry_index"),
    ],
    ids=["unknown-kind", "detail-too-long", "no-reporter", "negative-size", "index-not-a-number"],
)
async def test_a_mirror_alarm_with_a_bad_field_is_refused_naming_it(
    make_client: ClientFactory, change: dict[str, object], field: str
) -> None:
    a = await signup_org(make_client())
    made = await a.client.post(
        "/api/v1/api-keys", json={"name": "m", "scope": "ledger:read"}, headers=a.headers
    )
    key = {"Authorization": f"Bearer {made.json()['secret']}"}

    r = await make_client().post(
        "/api/v1/ledger/mirror/alarms", json={**GOOD_ALARM, **change}, headers=key
    )

    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert (await a.client.get("/api/v1/ledger/alarms", headers=a.headers)).json() == []


async def test_mirror_alarms_are_recorded_and_private(
    make_client: ClientFactory, owner_engine: Engine
) -> None:
    a = await signup_org(make_client())
    b = await signup_org(make_client())
    aff = await signup_affiliate(make_client(), a.slug)
    made = await a.client.post(
        "/api/v1/api-keys", json={"name": "m", "scope": "ledger:read"}, headers=a.headers
    )
    key = {"Authorization": f"Bearer {made.json()['secret']}"}
    mirror = make_client()

    created = await mirror.post("/api/v1/ledger/mirror/alarms", json=GOOD_ALARM, headers=key)
    anonymous = await mirror.post("/api/v1/ledger/mirror/alarms", json=GOOD_ALARM)

    assert created.status_code == 201, created.text
    assert anonymous.status_code == 401
    seen = (await a.client.get("/api/v1/ledger/alarms", headers=a.headers)).json()
    assert [(x["kind"], x["detail"]) for x in seen] == [("fork", "two roots at size 3")]
    assert (await b.client.get("/api/v1/ledger/alarms", headers=b.headers)).json() == []
    assert (await aff.client.get("/api/v1/ledger/alarms", headers=aff.headers)).status_code == 403
    # alarms are evidence: even the runtime role cannot change or delete them
    with owner_engine.connect() as conn:
        grants = conn.execute(
            text(
                "SELECT privilege_type FROM information_schema.role_table_grants"
                " WHERE table_name = 'ledger_alarms' AND grantee = 'bitnexus_app'"
            )
        ).scalars()
        assert set(grants) == {"SELECT", "INSERT"}


WITNESSES = [forgery.witness_signer("witness.example/w1"), forgery.witness_signer("w2.example")]


@pytest.mark.parametrize("configured", [[], WITNESSES[:1], WITNESSES], ids=["none", "one", "two"])
async def test_witness_keys_are_published_to_anyone(
    make_client: ClientFactory, app_with: AppWith, configured: list[note.Signer]
) -> None:
    # given an organisation, on a server whose checkpoints go to the configured witnesses
    admin = await signup_org(make_client())
    anon = await app_with(witnesses=[f"https://{w.name}/ {w.verifier}" for w in configured])

    # when anyone asks for its witness keys, or another organisation's that does not exist
    r = await anon.get(f"/api/v1/public/tenants/{admin.slug}/ledger/witness-keys")
    missing = await anon.get("/api/v1/public/tenants/no-such-org/ledger/witness-keys")

    # then each witness's cosignature/v1 key is a line, and an unknown organisation is a 404
    assert r.status_code == 200, r.text
    assert r.text.splitlines() == [str(w.verifier) for w in configured]
    assert missing.status_code == 404
