"""pgvector's binary form: what the app's connections send and read for a `vector`."""

from __future__ import annotations

import struct

import asyncpg
import pytest

from bitnexus.core import vector
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls


def f32(x: float) -> float:
    """`x` as the nearest float4 holds it."""
    return float(struct.unpack(">f", struct.pack(">f", x))[0])


# float4 values, so that their trip through the database is exact
CASES = [
    pytest.param([1.0, -2.0, 0.5], id="three"),
    pytest.param([0.0], id="one"),
    pytest.param([f32(3.0e-8), f32(-1.5e30), 0.1875], id="tiny-and-huge"),
    pytest.param([f32(i / 385) for i in range(384)], id="384"),
]


def test_the_form_is_dimensions_then_network_order_floats() -> None:
    assert vector.encode([1.0, -2.0]) == bytes.fromhex("0002 0000 3f800000 c0000000")


@pytest.mark.parametrize("values", CASES)
def test_a_vector_survives_its_binary_form(values: list[float]) -> None:
    assert vector.decode(vector.encode(values)) == values


@pytest.mark.parametrize("values", CASES)
async def test_the_database_reads_the_vector_sent(db: Database, values: list[float]) -> None:
    # given a connection of the app's engine
    async with db.statements() as connection:
        # when a list of floats goes as a vector, and comes back as its text and as a vector
        text = await connection.fetchval("SELECT $1::vector::text", values)
        back = await connection.fetchval("SELECT $1::vector", values)

    # then PostgreSQL holds those floats, and the app reads the same list
    assert [f32(float(v)) for v in text.strip("[]").split(",")] == values
    assert back == values


async def test_a_stored_vector_is_read_as_a_list(db: Database) -> None:
    async with db.statements() as connection:
        assert await connection.fetchval("SELECT '[1,-2,0.5]'::vector") == [1.0, -2.0, 0.5]


def test_what_is_no_float_is_refused_before_it_is_sent() -> None:
    with pytest.raises(struct.error):
        vector.encode(["x"])  # type: ignore[list-item]


async def test_a_vector_of_no_dimension_is_refused_by_the_database(db: Database) -> None:
    async with db.statements() as connection:
        with pytest.raises(asyncpg.DataError, match="at least 1 dimension"):
            await connection.fetchval("SELECT $1::vector", [])


async def test_a_database_without_the_extension_is_left_alone(db_urls: DatabaseUrls) -> None:
    # given a database where no `vector` type exists (the server's maintenance database)
    assert db_urls.superuser is not None, "the session's PostgreSQL is the embedded one"
    elsewhere = Database(db_urls.superuser.set(database="postgres"), pool_size=1)
    try:
        # when a connection of the app's engine opens on it (where the codec is registered)
        async with elsewhere.statements() as connection:
            # then it serves statements as any other
            assert await connection.fetchval("SELECT to_regtype('vector') IS NULL") is True
            assert await connection.fetchval("SELECT 1") == 1
    finally:
        await elsewhere.dispose()
