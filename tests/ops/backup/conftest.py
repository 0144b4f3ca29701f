"""A disaster to recover from: a real embedded PostgreSQL archiving its WAL, with clicks, sales
and sealed ledger blocks written through the real app, base backups taken by `bitnexus backup`
(a plain one, then one encrypted with age), times noted between the writes, a ledger row
tampered with last (its commit is the latest write), and then its data directory destroyed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from bitnexus.app import create_app
from bitnexus.core import embedded_postgres, provision
from bitnexus.core.config import Environment, Settings
from bitnexus.core.dburl import libpq
from tests.commissions.support import Shop, api_key
from tests.commissions.support import settings as program_settings
from tests.conftest import ROOT, SettlingTransport
from tests.factories import PASSWORD, new_program
from tests.waiting import wait_until

BIN = Path(sys.executable).with_name("bitnexus")
SECRET = "backup-test-secret-0123456789abcdef"


def settings_for(root: Path, *, archive: bool = True, copy_to: Path | None = None) -> Settings:
    """A BitNexus of its own under `root`: data in `data/`, backups in `backups/` (and a copy
    of them in `copy_to`)."""
    return Settings(
        BITNEXUS_BACKUP_COPY_TO=copy_to,
        BITNEXUS_ENV=Environment.development,
        BITNEXUS_DATA_DIR=root / "data",
        BITNEXUS_BACKUP_DIR=root / "backups",
        BITNEXUS_WAL_ARCHIVE=archive,
        BITNEXUS_SECRET_KEY=SECRET,
        BITNEXUS_FRONTEND_DIST=ROOT / "frontend" / "dist",
        BITNEXUS_LOG_FORMAT="json",
        BITNEXUS_LEDGER_SEAL_SECONDS=0,
        BITNEXUS_ROLLUP_SECONDS=0,
        BITNEXUS_COMMISSION_MATURE_SECONDS=0,
        BITNEXUS_PAYOUT_SCHEDULE_SECONDS=0,
        BITNEXUS_SEARCH_INDEX_SECONDS=0,
        BITNEXUS_NOTIFY_MAIL_SECONDS=0,
        BITNEXUS_WEBHOOKS_POLL_SECONDS=0,
    )


def bitnexus(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the `bitnexus` command as an operator would, for the BitNexus of `settings`."""
    return subprocess.run(
        [str(BIN), *args],
        env={
            **os.environ,
            "BITNEXUS_DATA_DIR": str(settings.data_dir),
            "BITNEXUS_BACKUP_DIR": str(settings.backup_dir),
            "BITNEXUS_SECRET_KEY": SECRET,
            "BITNEXUS_LOG_FORMAT": "json",
            "BITNEXUS_LOG_LEVEL": "WARNING",
            **(
                {"BITNEXUS_BACKUP_COPY_TO": str(settings.backup_copy_to)}
                if settings.backup_copy_to
                else {}
            ),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def superuser(settings: Settings) -> str:
    """The embedded server's superuser URL on the BitNexus database (starts it if needed)."""
    urls = provision.database_urls(settings)
    assert urls.superuser is not None
    return libpq(urls.superuser.set(database="bitnexus"))


COUNTED = ("clicks", "conversions", "commissions", "ledger_transactions", "ledger_blocks")


def snapshot(url: str) -> dict[str, Any]:
    """What a restore must bring back exactly: row counts and every block's root."""
    with psycopg.connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        roots = conn.execute(
            "SELECT tenant_id::text, height, encode(root_hash, 'hex') FROM ledger_blocks "
            "ORDER BY tenant_id, height"
        ).fetchall()
    return {"counts": counts, "roots": [tuple(r) for r in roots]}


def archive_everything(settings: Settings, url: str) -> None:
    """Finish the WAL segment being written and wait until the archive holds it."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    assert row is not None
    segment = settings.backup_dir / "wal" / f"{row[0]}.gz"
    try:
        wait_until(segment.exists, f"segment {row[0]} is archived")
    except AssertionError as late:  # what the archiver last did, and why it failed
        with psycopg.connect(url, autocommit=True) as conn:
            archiver = conn.execute(
                "SELECT archived_count, last_archived_wal, failed_count, last_failed_wal, "
                "current_setting('archive_mode'), current_setting('archive_command') "
                "FROM pg_stat_archiver"
            ).fetchone()
        raise AssertionError(f"{late}; the archiver: {archiver}") from None


@pytest.fixture(scope="session")
def workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bitnexus-backup-test-") as tmp:
        yield Path(tmp)
        # a server a failed test left running must not outlive its directory
        for data_dir in Path(tmp).glob("*/data"):
            if embedded_postgres.running(data_dir):
                embedded_postgres.stop(data_dir)


@pytest.fixture(scope="session")
def template(workspace: Path) -> Path:
    """A migrated data directory, its server stopped, never archiving: copied per BitNexus."""
    settings = settings_for(workspace / "template", archive=False)
    provision.migrate(settings)
    embedded_postgres.stop(settings.data_dir)
    return settings.data_dir


def fresh(template: Path, root: Path, **kw: Any) -> Settings:
    """A BitNexus under `root` made from the template's data directory."""
    root.mkdir(parents=True)
    # cp -a: the copy stays the server's user's own
    subprocess.run(["/bin/cp", "-a", str(template), str(root / "data")], check=True)
    return settings_for(root, **kw)


@pytest.fixture(scope="session")
def age_key(workspace: Path) -> tuple[Path, str]:
    """An age identity file and its recipient (public key)."""
    keygen = shutil.which("age-keygen")
    assert keygen, "age is not installed: `make test` installs it (Debian package `age`)"
    made = subprocess.run(
        [keygen, "-o", str(workspace / "age.key")], capture_output=True, text=True, check=True
    )
    return workspace / "age.key", made.stderr.split("Public key: ")[1].strip()


@dataclass
class Disaster:
    settings: Settings  # of the BitNexus whose data directory is gone
    identity: Path  # the age identity the encrypted backup opens with
    at_t1: dict[str, Any]  # what was committed at t1 (after the plain backup)
    t1: dt.datetime
    at_t2: dict[str, Any]  # what was committed at t2 (after the encrypted backup)
    t2: dt.datetime
    status_json: dict[str, Any]  # `bitnexus backup status --json` before the disk died
    status_text: str
    archive_mode: str
    login: dict[str, str]  # the organisation's admin's, written before t1
    ledger_keys: dict[str, str]  # the organisations' signing key files in the data directory


async def _write(shop: Shop, client: Any, clicks: int, sales: int, batch: str) -> None:
    for n in range(clicks):
        click_id = await shop.click(client())
        if n < sales:
            r = await shop.report(order_id=f"{batch}-{n}", click_id=click_id)
            assert r.status_code == 201, r.text


async def _seal(settings: Settings) -> None:
    sealed = await asyncio.to_thread(bitnexus, settings, "ledger", "seal")
    assert sealed.returncode == 0, sealed.stderr
    assert "block" in sealed.stderr


async def _backup(settings: Settings, **env: str) -> None:
    made = await asyncio.to_thread(bitnexus, settings, "backup", **env)
    assert made.returncode == 0, made.stderr


@pytest.fixture(scope="session")
async def disaster(workspace: Path, template: Path, age_key: tuple[Path, str]) -> Disaster:
    settings = fresh(template, workspace / "primary", copy_to=workspace / "offsite")
    identity, recipient = age_key
    url = superuser(settings)  # the template did not archive: this start turns it on
    with psycopg.connect(url) as conn:
        archive_mode = conn.execute("SHOW archive_mode").fetchone()[0]  # type: ignore[index]

    app = create_app(settings, provision.database_urls(settings))
    async with app.router.lifespan_context(app):
        clients: list[httpx.AsyncClient] = []
        ips = iter(range(1, 10_000))

        def client() -> httpx.AsyncClient:
            n = next(ips)
            transport = SettlingTransport(app=app, client=(f"10.9.{n >> 8}.{n & 255}", 40000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
            return clients[-1]

        program = await new_program(client)
        r = await program_settings(
            program.admin, fraud_min_click_seconds=0, fraud_hold_coupon_without_click=False
        )
        assert r.status_code == 200, r.text
        product = await program.approved(landing_url="https://shop.example/course")
        r = await program.affiliate.client.post(
            "/api/v1/links", json={"product_id": product["id"]}, headers=program.affiliate.headers
        )
        assert r.status_code == 201, r.text
        login = {
            "organisation": program.admin.slug,
            "email": program.admin.user["email"],
            "password": PASSWORD,
        }
        aff = program.affiliate
        shop = Shop(program, aff, aff, product, r.json(), await api_key(program.vendor))

        await _write(shop, client, clicks=4, sales=2, batch="A")
        await _seal(settings)
        await _backup(settings)
        await _write(shop, client, clicks=3, sales=1, batch="B")
        await _seal(settings)
        at_t1, t1 = snapshot(url), dt.datetime.now(dt.UTC)
        await _backup(settings, BITNEXUS_BACKUP_AGE_RECIPIENT=recipient)
        await _write(shop, client, clicks=2, sales=1, batch="C")
        await _seal(settings)
        at_t2, t2 = snapshot(url), dt.datetime.now(dt.UTC)
        with psycopg.connect(url) as conn:  # a bad row the restored ledger must not accept
            conn.execute("SET session_replication_role = replica")  # past the append-only guard
            conn.execute(
                "UPDATE ledger_postings SET amount = amount + 1 WHERE ctid = "
                "(SELECT ctid FROM ledger_postings WHERE amount > 0 LIMIT 1)"
            )
        for c in clients:
            await c.aclose()
    archive_everything(settings, url)
    status = await asyncio.to_thread(bitnexus, settings, "backup", "status", "--json")
    text = await asyncio.to_thread(bitnexus, settings, "backup", "status")
    assert status.returncode == 0, status.stderr

    ledger_keys = {p.name: p.read_text() for p in settings.ledger_key_dir.glob("*.key")}
    # the disk dies
    embedded_postgres.stop(settings.data_dir)
    shutil.rmtree(settings.data_dir)
    return Disaster(
        settings,
        identity,
        at_t1,
        t1,
        at_t2,
        t2,
        json.loads(status.stdout),
        text.stdout,
        archive_mode,
        login,
        ledger_keys,
    )
