"""The indexer embeds a product when its text is new or changed, and only then; the
`bitnexus search reindex` command does the same from the command line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from bitnexus.core.config import Settings
from bitnexus.search import jobs
from bitnexus.search.embedder import Embedder
from tests.factories import product as _product
from tests.search.conftest import Shop, open_shop
from tests.waiting import eventually

BIN = Path(sys.executable).with_name("bitnexus")


async def _listed(shop: Shop, **overrides: Any) -> str:
    r = await shop.vendor.client.post(
        "/api/v1/products", json=_product(**overrides), headers=shop.vendor.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(
    ("change", "embedded"),
    [
        pytest.param({"title": "Python for Data Engineers"}, 1, id="title"),
        pytest.param({"description": "Now with notebooks."}, 1, id="description"),
        pytest.param({"category": "Ebooks"}, 1, id="category"),
        pytest.param({"tags": ["python", "etl"]}, 1, id="tags"),
        pytest.param({"price_minor": 9_900}, 0, id="price-only"),
        pytest.param({"landing_url": "https://vendor.example/new"}, 0, id="landing-page-only"),
    ],
)
async def test_a_product_is_embedded_again_only_when_its_text_changed(
    app: FastAPI, embedder: Embedder, change: dict[str, Any], embedded: int
) -> None:
    # given a listed product, embedded once (a second pass finds nothing to do)
    shop = await open_shop(app)
    pid = await _listed(shop)
    db = app.state.db
    assert await jobs.index_tenant(db, embedder, shop.tenant_id) == 1
    assert await jobs.index_tenant(db, embedder, shop.tenant_id) == 0

    # when its vendor edits it
    r = await shop.vendor.client.put(
        f"/api/v1/products/{pid}", json=_product(**change), headers=shop.vendor.headers
    )
    assert r.status_code == 200, r.text

    # then the next pass embeds it again if and only if its text changed
    assert await jobs.pending(db, shop.tenant_id) == embedded
    assert await jobs.index_tenant(db, embedder, shop.tenant_id) == embedded


async def test_the_job_embeds_every_tenant_in_batches(app: FastAPI, embedder: Embedder) -> None:
    # given two organisations with new products
    shops = [await open_shop(app), await open_shop(app)]
    for shop in shops:
        for n in range(3):
            await _listed(shop, title=f"Gardening almanac volume {n}")

    # when the job makes a pass, two products at a time
    await jobs.index_all(app.state.db, embedder, batch=2)

    # then nothing is left to embed in either
    for shop in shops:
        assert await jobs.pending(app.state.db, shop.tenant_id) == 0


async def test_the_running_job_embeds_a_new_product_within_its_period(
    app: FastAPI, embedder: Embedder
) -> None:
    # given the server's indexer running, a pass every 50 ms
    shop = await open_shop(app)
    running = asyncio.create_task(jobs.run_indexer(app.state.db, embedder, 0.05, 64))
    try:
        # when a vendor lists a product
        await _listed(shop, title="Beekeeping through the seasons")

        # then a pass embeds it, with no one asking
        async def embedded() -> bool:
            return await jobs.pending(app.state.db, shop.tenant_id) == 0

        await eventually(embedded, "the listed product embedded by the running job")
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


def test_reindex_command_embeds_with_a_progress_bar(
    settings: Settings, app: FastAPI, shop: Shop
) -> None:
    # given the shop, whose products are all embedded
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
        "BITNEXUS_LOG_FORMAT": "json",
        "COLUMNS": "120",
    }

    # when an operator re-embeds all of its products
    out = subprocess.run(
        [str(BIN), "search", "reindex", "--tenant", shop.admin.slug, "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # then every one was embedded, the bar having counted them
    assert out.returncode == 0, out.stderr
    assert f"{shop.admin.slug}: {len(shop.ids)} products embedded" in out.stderr
    assert f"{len(shop.ids)}/{len(shop.ids)}" in out.stderr


def test_reindex_refuses_an_unknown_tenant(settings: Settings, app: FastAPI) -> None:
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
    }

    out = subprocess.run(
        [str(BIN), "search", "reindex", "--tenant", "no-such-org"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert out.returncode == 2
    assert "no tenant 'no-such-org'" in out.stderr
