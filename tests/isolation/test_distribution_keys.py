"""The schema can be distributed by tenant (Citus-style, docs/scaling.md): every primary key and
every unique constraint or index of a tenant table includes `tenant_id`, so each is enforceable
within one shard; every table is placed in docs/scaling.md, by Citus's rules. That foreign keys
between tenant tables pair `tenant_id` with `tenant_id` is test_foreign_keys.py's."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

# tables with a `tenant_id` column that are not distributed by it, each for a reason Citus
# accepts (docs/scaling.md); `test_the_exceptions_still_hold` checks the reasons
NOT_BY_TENANT = {
    # the redirect knows only the code: distributed by `code`, its primary key
    "link_codes": "PRIMARY KEY (code)",
    # the platform admin's log, a local table on the coordinator: `tenant_id` is NULL for
    # actions on the platform itself, so it cannot be sharded by tenant
    "platform_audit_log": "tenant_id NULL",
}

# tables with a `tenant_id` column, once per table: partitions are their parent's business
TENANT_TABLES = text(
    """
    SELECT c.oid::regclass::text AS name
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p')
       AND NOT c.relispartition
       AND c.relnamespace = 'public'::regnamespace
     ORDER BY 1
    """
)

# every unique index (a primary key's, a unique constraint's, or one made on its own) of those
# tables, and whether `tenant_id` is one of its plain columns
UNIQUE_KEYS = text(
    """
    SELECT i.indexrelid::regclass::text AS name,
           i.indrelid::regclass::text AS table_name,
           i.indisprimary AS is_primary,
           EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attname = 'tenant_id'
                      AND a.attnum = ANY (i.indkey)) AS has_tenant
      FROM pg_index i
      JOIN pg_class t ON t.oid = i.indrelid
     WHERE i.indisunique
       AND NOT t.relispartition
       AND t.relnamespace = 'public'::regnamespace
       AND i.indrelid::regclass::text = ANY (:tables)
     ORDER BY 2, 1
    """
)


def _tenant_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [t for t in conn.execute(TENANT_TABLES).scalars() if t not in NOT_BY_TENANT]


def test_every_tenant_table_has_a_primary_key_with_tenant_id(owner_engine: Engine) -> None:
    tables = _tenant_tables(owner_engine)
    with owner_engine.connect() as conn:
        keys = conn.execute(UNIQUE_KEYS, {"tables": tables}).all()
    primary = {k.table_name: k for k in keys if k.is_primary}

    offenders = [
        f"{t}: " + ("no primary key" if t not in primary else f"{primary[t].name} lacks tenant_id")
        for t in tables
        if t not in primary or not primary[t].has_tenant
    ]

    assert len(tables) > 40, "few tenant tables found: is the query still right?"
    assert not offenders, "primary keys that cannot live on one shard:\n" + "\n".join(offenders)


def test_every_unique_key_of_a_tenant_table_includes_tenant_id(owner_engine: Engine) -> None:
    tables = _tenant_tables(owner_engine)
    with owner_engine.connect() as conn:
        keys = conn.execute(UNIQUE_KEYS, {"tables": tables}).all()

    offenders = [f"{k.name} on {k.table_name}" for k in keys if not k.has_tenant]

    assert any(not k.is_primary for k in keys), "no unique keys found: is the query still right?"
    assert not offenders, "unique keys a shard cannot enforce alone:\n" + "\n".join(offenders)


def test_the_exceptions_still_hold(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        found = {
            "link_codes": conn.execute(
                text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n"),
                {"n": "pk_link_codes"},
            ).scalar(),
            "platform_audit_log": conn.execute(
                text(
                    "SELECT CASE WHEN attnotnull THEN 'tenant_id NOT NULL' ELSE 'tenant_id NULL' "
                    "END FROM pg_attribute WHERE attrelid = 'platform_audit_log'::regclass "
                    "AND attname = 'tenant_id'"
                )
            ).scalar(),
        }

    assert found == NOT_BY_TENANT


SCALING = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
# a row of the map: | `table` | placement | why |
_PLACED = re.compile(r"^\| `(\w+)` \| ([a-z ]+?) \|", re.MULTILINE)
# what a table of each placement may reference (Citus: a distributed table its own colocation
# group or reference tables, a reference table reference tables, a local one local or reference)
MAY_REFERENCE = {
    "distributed": {"distributed", "reference"},
    "distributed by code": {"reference"},
    "reference": {"reference"},
    "local": {"local", "reference"},
}
ALL_TABLES = text(
    """
    SELECT c.relname FROM pg_class c
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND c.relnamespace = 'public'::regnamespace
    """
)
FOREIGN_KEYS = text(
    """
    SELECT conrelid::regclass::text AS from_table, confrelid::regclass::text AS to_table
      FROM pg_constraint
     WHERE contype = 'f' AND conparentid = 0 AND connamespace = 'public'::regnamespace
    """
)


def test_every_table_is_placed_by_the_rules_of_a_distributed_database(
    owner_engine: Engine,
) -> None:
    placed = _PLACED.findall(SCALING.read_text())
    placement = dict(placed)
    with owner_engine.connect() as conn:
        tables = set(conn.execute(ALL_TABLES).scalars())
        keys = conn.execute(FOREIGN_KEYS).all()
    by_tenant = set(_tenant_tables(owner_engine))

    assert len(placed) == len(placement), "a table is placed twice"
    assert set(placement) == tables, "docs/scaling.md must place exactly the database's tables"
    assert set(placement.values()) <= set(MAY_REFERENCE)
    assert {t for t, p in placement.items() if p == "distributed"} == by_tenant
    broken = [
        f"{k.from_table} ({placement[k.from_table]}) -> {k.to_table} ({placement[k.to_table]})"
        for k in keys
        if placement[k.to_table] not in MAY_REFERENCE[placement[k.from_table]]
    ]
    assert not broken, "foreign keys a distributed database refuses:\n" + "\n".join(broken)
