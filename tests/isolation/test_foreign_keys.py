"""Every reference between tenant tables carries the tenant: no row can point into another
tenant, and no error can tell whether another tenant's row exists."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tests.commissions.support import open_shop
from tests.conftest import ClientFactory
from tests.factories import new_program

# every foreign key whose two tables have a `tenant_id`, with the referenced column each
# `tenant_id` of the referencing table is paired with (NULL: not in the key)
FOREIGN_KEYS = text(
    """
    SELECT c.conname AS name,
           c.conrelid::regclass::text AS from_table,
           c.confrelid::regclass::text AS to_table,
           (SELECT a.attname FROM unnest(c.conkey, c.confkey) AS k(src, dst)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.dst
             WHERE k.src = ft.attnum) AS paired_with
      FROM pg_constraint c
      JOIN pg_attribute ft ON ft.attrelid = c.conrelid AND ft.attname = 'tenant_id'
      JOIN pg_attribute tt ON tt.attrelid = c.confrelid AND tt.attname = 'tenant_id'
     WHERE c.contype = 'f'
       AND c.conparentid = 0  -- once per key, not once per partition
       AND c.connamespace = 'public'::regnamespace
     ORDER BY 1
    """
)


def test_every_foreign_key_between_tenant_tables_includes_tenant_id(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        keys = conn.execute(FOREIGN_KEYS).all()

    offenders = [
        f"{k.name} ({k.from_table} -> {k.to_table})" for k in keys if k.paired_with != "tenant_id"
    ]

    assert keys, "no foreign keys between tenant tables found: is the query still right?"
    assert not offenders, "foreign keys without tenant_id on both sides:\n" + "\n".join(offenders)


async def test_a_conversion_cannot_point_at_another_tenants_click(
    make_client: ClientFactory, app_engine: Engine
) -> None:
    # given: a sale through a click in tenant A, and a click in tenant B
    a = await open_shop(await new_program(make_client), make_client)
    b = await open_shop(await new_program(make_client), make_client)
    r = await a.report(click_id=await a.click(make_client()))
    assert r.status_code == 201, r.text
    sale = r.json()["id"]
    b_click = await b.click(make_client())
    r = await b.report(click_id=b_click)  # stored by now (the sale waits for its click)
    assert r.status_code == 201, r.text

    # when: tenant A's session points the sale at B's click, then at no click at all
    errors = {}
    for name, click in (("other tenant's", b_click), ("unknown", str(uuid.uuid4()))):
        with app_engine.connect() as conn, pytest.raises(IntegrityError) as refused:
            conn.execute(
                text("SELECT set_config('bitnexus.tenant_id', :t, true)"),
                {"t": a.program.admin.tenant_id},
            )
            conn.execute(
                text("UPDATE conversions SET click_id = :c WHERE id = :s"), {"c": click, "s": sale}
            )
        errors[name] = str(refused.value.orig).splitlines()[0]

    # then: refused alike, so the answer tells nothing about the other tenant
    assert errors["other tenant's"] == errors["unknown"]
