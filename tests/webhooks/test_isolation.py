"""Webhook tables under row security, straight in SQL as the runtime role: an organisation
neither sees nor reaches another's endpoints, deliveries and attempts."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from tests.conftest import ClientFactory
from tests.factories import Program, signup_org
from tests.webhooks.support import Receiver, park_other_deliveries, register, send_due

TABLES = ["webhook_endpoints", "webhook_deliveries", "webhook_attempts"]


def _as_tenant(conn: Connection, tenant_id: str) -> None:
    conn.execute(text("SELECT set_config('bitnexus.tenant_id', :t, true)"), {"t": tenant_id})


@pytest.fixture
async def attempted(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> dict[str, str]:
    """An organisation with an endpoint, a delivery and its attempt."""
    endpoint = (await register(program.admin, receiver.url, "product.approved"))["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    r = await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)
    return {
        "tenant": program.admin.tenant_id,
        "endpoint": endpoint["id"],
        "delivery": r.json()["id"],
    }


@pytest.mark.parametrize("table", TABLES)
async def test_another_organisation_sees_no_row(
    app_engine: Engine, attempted: dict[str, str], table: str
) -> None:
    # given rows of one organisation; when another (or none) reads the table
    other = str(uuid.uuid4())
    with app_engine.begin() as conn:
        nobody = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        _as_tenant(conn, other)
        someone = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        _as_tenant(conn, attempted["tenant"])
        owner = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()

    # then only the organisation itself sees its rows
    assert (nobody, someone) == (0, 0)
    assert owner


async def test_a_delivery_cannot_point_at_another_organisations_endpoint(
    app_engine: Engine, attempted: dict[str, str], make_client: ClientFactory
) -> None:
    # given a transaction of another organisation
    other = (await signup_org(make_client())).tenant_id

    # when it writes a delivery under the first organisation's name, or to its endpoint;
    # then row security, or the composite foreign key, refuses it
    row = {"id": str(uuid.uuid4()), "e": attempted["endpoint"]}
    insert = (
        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_type, body, status,"
        " attempts) VALUES (:id, :t, :e, 'webhook.test', '{}', 'pending', 0)"
    )
    with pytest.raises(ProgrammingError, match="row-level security"), app_engine.begin() as conn:
        _as_tenant(conn, other)
        conn.execute(text(insert), {**row, "t": attempted["tenant"]})
    refused = "fk_webhook_deliveries_tenant_id_endpoint_id_webhook_endpoints"
    with pytest.raises(IntegrityError, match=refused), app_engine.begin() as conn:
        _as_tenant(conn, other)
        conn.execute(text(insert), {**row, "t": other})
