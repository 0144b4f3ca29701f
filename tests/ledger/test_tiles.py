"""The public log (C2SP tlog-tiles): checkpoint and hash tiles for anyone, entry bundles for
members who read the whole ledger, read back by an independent client written from the spec."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.ledger import note
from tests.commissions.support import api_key
from tests.conftest import ClientFactory
from tests.factories import Account, bearer, make_ledger, signup_affiliate, signup_org
from tests.ledger import forgery
from tests.ledger.support import BulkLog, bulk_log
from tests.ledger.tlog_reader import TileLog, entries, leaf_hash, node_hash, open_checkpoint
from tests.ledger.tlog_reader import tile_path as path_of

PROBLEM = "application/problem+json"


def log_url(slug: str) -> str:
    return f"/api/v1/public/tenants/{slug}/ledger/log/"


async def vkey_of(client: httpx.AsyncClient, slug: str) -> str:
    r = await client.get(f"/api/v1/public/tenants/{slug}/ledger/verifier-key")
    return r.text.splitlines()[0]


async def loaded(
    client: httpx.AsyncClient, db: Database, db_urls: DatabaseUrls, settings: Settings, *sizes: int
) -> tuple[Account, BulkLog]:
    """An organisation (with its admin) whose log holds blocks signed at `sizes`."""
    admin = await signup_org(client)
    log = await bulk_log(
        db, libpq(db_urls.owner), settings, sizes, (uuid.UUID(admin.tenant_id), admin.slug)
    )
    return admin, log


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 65536 + 300])
async def test_an_independent_reader_recomputes_the_signed_log(
    server_url: str, db: Database, db_urls: DatabaseUrls, settings: Settings, size: int
) -> None:
    # given an organisation whose latest signed checkpoint covers `size` leaves, on a real server
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as c:
        admin, log = await loaded(c, db, db_urls, settings, size)
        vkey = await vkey_of(c, admin.slug)

    # when a client that knows only the spec reads it over HTTP, then it checks out
    with httpx.Client(base_url=server_url + log_url(admin.slug), timeout=60) as http:
        await asyncio.to_thread(read_back, TileLog(http, size), vkey, admin.headers, log)


def read_back(reader: TileLog, vkey: str, member: dict[str, str], log: BulkLog) -> None:
    """What the independent reader checks of a log of `reader.size` leaves."""
    size = reader.size
    # the checkpoint needs no login and carries the log's signature
    r = reader.fetch("checkpoint")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = open_checkpoint(r.text, vkey)
    assert checkpoint.size == size

    # the tiles alone give the signed root
    assert reader.mth(0, size) == checkpoint.root

    # each level's right-edge tile is partial, width floor(size / 256**L) mod 256, while the
    # full tile of the same index is not there yet
    for level in range(4):
        width, index = (size >> (8 * level)) % 256, size >> (8 * (level + 1))
        if width:
            assert reader.fetch(path_of(level, index, width)).status_code == 200
            assert reader.fetch(path_of(level, index, 256)).status_code == 404

    # a hash of level 1 is the root of the full level-0 tile below it
    if size >= 256:
        hashes = [reader.stored(0, i) for i in range(256)]
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        assert reader.stored(8, 0) == hashes[0]

    # random entries from the bundles (for a member) hash into the signed tree where they are
    rng = random.Random(size)
    for index in sorted({0, size - 1, *(rng.randrange(size) for _ in range(5))} if size else []):
        width = min(256, size - index // 256 * 256)
        got = reader.http.get(path_of("entries", index // 256, width), headers=member)
        assert got.status_code == 200, got.text
        bundle = entries(got.content)
        assert len(bundle) == width
        entry = bundle[index % 256]
        assert entry == log.leaves[index]
        assert leaf_hash(entry) == reader.stored(0, index)
        assert reader.root_with(index, leaf_hash(entry)) == checkpoint.root
        assert reader.root_with(index, leaf_hash(entry + b" ")) != checkpoint.root


async def test_public_log_needs_no_login_and_reveals_no_amounts(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings, owner_engine: Engine
) -> None:
    # given five sales sealed into a block, and a witness's cosignature stored for it
    admin = await signup_org(make_client())
    await make_ledger(db_urls, settings, admin, 5, seal_at=(5,))
    anyone = make_client()
    signed = (await anyone.get(log_url(admin.slug) + "checkpoint")).text
    witness = forgery.witness_signer()
    line = note.cosign(note.parse(signed).text, witness, 1_780_000_000).line()
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_cosignatures (tenant_id, height, witness, line)"
                " VALUES (:t, 0, :w, :line)"
            ),
            {"t": admin.tenant_id, "w": forgery.WITNESS, "line": line.rstrip("\n")},
        )

    # when anyone fetches the checkpoint and every tile, without logging in
    checkpoint = await anyone.get(log_url(admin.slug) + "checkpoint")
    tile = await anyone.get(log_url(admin.slug) + "tile/0/000.p/5")
    bundle = await admin.client.get(
        log_url(admin.slug) + "tile/entries/000.p/5", headers=admin.headers
    )

    # then they get the cosigned checkpoint and the hashes, short-lived and immutable
    assert checkpoint.status_code == 200
    assert checkpoint.text == signed + line.rstrip("\n") + "\n"
    assert "max-age=5" in checkpoint.headers["cache-control"]
    assert tile.status_code == 200
    assert len(tile.content) == 5 * 32
    assert "immutable" in tile.headers["cache-control"]
    # and no description or amount appears in them, while the members' entries hold both
    for public in (checkpoint.content, tile.content):
        assert b"Sale" not in public
        assert b"1004" not in public
    assert bundle.status_code == 200
    assert b'"description":"Sale 4"' in bundle.content
    assert b'"amount":1004' in bundle.content
    assert bundle.headers["cache-control"].startswith("private")
    assert bundle.headers["content-encoding"] == "gzip"  # as the spec asks of bundles


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("nobody", 401),
        ("affiliate", 403),
        ("admin of another organisation", 404),
        ("ledger:read key of another organisation", 404),
        ("admin", 200),
        ("ledger:read key", 200),
    ],
)
async def test_entry_bundles_need_a_member_who_reads_the_whole_ledger(
    make_client: ClientFactory, db_urls: DatabaseUrls, settings: Settings, who: str, status: int
) -> None:
    # given an organisation with two sealed sales, its affiliate, and another organisation
    admin = await signup_org(make_client())
    await make_ledger(db_urls, settings, admin, 2, seal_at=(2,))
    other = await signup_org(make_client())
    if who == "nobody":
        headers = {}
    elif who == "affiliate":
        headers = (await signup_affiliate(make_client(), admin.slug)).headers
    elif who.startswith("ledger:read key"):
        owner = other if who.endswith("another organisation") else admin
        headers = bearer(await api_key(owner, scope="ledger:read"))
    else:
        headers = (other if who.endswith("another organisation") else admin).headers

    # when they ask for the entry bundle
    r = await make_client().get(log_url(admin.slug) + "tile/entries/000.p/2", headers=headers)

    # then only a reader of the whole ledger of this organisation gets it
    assert r.status_code == status, r.text
    if status == 200:
        assert len(entries(r.content)) == 2
    else:
        assert r.headers["content-type"] == PROBLEM


@pytest.fixture(scope="module")
async def log300(
    app: object, db_urls: DatabaseUrls, settings: Settings
) -> tuple[str, dict[str, str]]:
    """An organisation whose signed log holds 300 leaves: tiles 0/000 (full), 0/001.p/44 and
    1/000.p/1 exist. Its slug and its admin's headers."""
    database = Database(db_urls.app, pool_size=1)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        admin, _log = await loaded(c, database, db_urls, settings, 300)
    await database.dispose()
    return admin.slug, admin.headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("tile/0/0", 400),  # N not zero-padded to 3 digits
        ("tile/0/0000", 400),
        ("tile/0/1a3", 400),
        ("tile/0/001/000", 400),  # upper elements start with x
        ("tile/0/x000/001", 400),  # a leading zero element: one name per tile
        ("tile/0/", 400),
        ("tile/0/001.p/0", 400),  # W = 0
        ("tile/0/001.p/256", 400),  # W > 255
        ("tile/0/001.p/044", 400),  # W with a leading zero
        ("tile/0/001.p/", 400),
        ("tile/64/000", 400),  # L beyond the spec's 63
        ("tile/01/000", 400),  # L with a leading zero
        ("tile/-1/000", 400),
        ("tile/99999999999999999999/000", 400),
        ("tile/" + "9" * 5000 + "/000", 400),  # past what Python turns into an int
        ("tile/0/001.p/" + "9" * 5000, 400),
        ("tile/0/\u0660\u0660\u0661", 400),  # digits, but not ASCII ones
        ("tile/0/x001/x002/x003/x004/x005/x006/x007/008", 400),  # past any bigint
        ("tile/entries/00", 400),
        ("tile/entries/000.p/0", 400),
        ("tile/0/000.p/5", 404),  # W on a full tile
        ("tile/0/001", 404),  # the right edge is not full yet
        ("tile/0/001.p/45", 404),  # wider than the signed size's right edge
        ("tile/0/002.p/1", 404),  # past the signed size
        ("tile/1/000", 404),
        ("tile/2/000.p/1", 404),  # an empty tile is never served
        ("tile/0/x001/x234/067", 404),
        ("tile/0/x999/x999/x999/x999/x999/x999/999", 404),
        ("tile/entries/001", 404),
        ("tile/entries/001.p/45", 404),
        ("tile/0/000", 200),
        ("tile/0/001.p/44", 200),
        ("tile/0/001.p/10", 200),  # a narrower right edge: an earlier checkpoint's partial tile
        ("tile/1/000.p/1", 200),
        ("tile/entries/000", 200),
        ("tile/entries/001.p/44", 200),
    ],
)
async def test_tile_paths_outside_the_spec_or_the_signed_size_are_problems(
    client: httpx.AsyncClient, log300: tuple[str, dict[str, str]], path: str, status: int
) -> None:
    slug, headers = log300

    r = await client.get(log_url(slug) + path, headers=headers)

    assert r.status_code == status, r.text
    if status == 400:
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["field"] == "path"
    elif status == 404:
        assert r.headers["content-type"] == PROBLEM
        assert r.headers["cache-control"] == "no-store"  # it may exist at the next checkpoint
    else:
        assert r.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("path", ["checkpoint", "tile/0/000", "tile/entries/000"])
async def test_an_unknown_organisation_has_no_log(
    client: httpx.AsyncClient, log300: tuple[str, dict[str, str]], path: str
) -> None:
    _slug, headers = log300

    r = await client.get(log_url("no-such-org-" + uuid.uuid4().hex[:6]) + path, headers=headers)

    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["detail"].startswith("No organisation is called")


async def test_a_log_with_no_signed_checkpoint_serves_nothing(
    make_client: ClientFactory,
) -> None:
    admin = await signup_org(make_client())

    checkpoint = await make_client().get(log_url(admin.slug) + "checkpoint")
    tile = await make_client().get(log_url(admin.slug) + "tile/0/000.p/1")

    assert checkpoint.status_code == tile.status_code == 404
    assert (
        checkpoint.json()["detail"] == tile.json()["detail"] == "No checkpoint has been signed yet."
    )


async def test_a_tile_missing_a_stored_node_is_not_served_short(
    client: httpx.AsyncClient,
    db: Database,
    db_urls: DatabaseUrls,
    settings: Settings,
    owner_engine: Engine,
) -> None:
    # given a signed log of 300 leaves whose stored leaf hash 5 the database owner deleted
    admin, _log = await loaded(client, db, db_urls, settings, 300)
    with owner_engine.begin() as conn:
        conn.execute(
            text("DELETE FROM ledger_tree_nodes WHERE tenant_id = :t AND level = 0 AND index = 5"),
            {"t": admin.tenant_id},
        )

    # when the tile holding it is asked for
    r = await client.get(log_url(admin.slug) + "tile/0/000")

    # then it is a problem, never a tile of 255 hashes
    assert r.status_code == 404
    assert r.json()["detail"] == "The log is missing hashes of tile 0/0."
