"""distribution keys: every tenant table's primary key leads with `tenant_id`, and link codes are
unique across organisations through a routing table of their own

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-04

A distributed PostgreSQL (Citus, docs/scaling.md) shards tenant tables by `tenant_id` and can
enforce a primary key or unique key only when it contains that column. Tables keyed by `id`
alone become keyed by `(tenant_id, id)`; where a `UNIQUE (tenant_id, id)` stood beside the old
key for the composite foreign keys, the new primary key replaces it and the keys point at it.

`links.code` was unique across organisations because `/r/{code}` is resolved before the
organisation is known. That uniqueness moves to `link_codes (code, tenant_id, link_id)`, a table
keyed by the code alone (distributed by `code` under Citus), filled by a trigger when a link is
made; `bitnexus_link_tenant` reads it by its primary key, as it read `links` by `uq_links_code`.
A link's code never changes (a trigger refuses it), so the two stay in step.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from bitnexus.core.rls import tenant_rls

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# tables keyed by `id` alone until now; those with a `UNIQUE (tenant_id, id)` for foreign keys
# are marked True
REKEYED = {
    "affiliate_group_moves": False,
    "api_keys": True,
    "clicks": False,
    "commissions": False,
    "content_generations": False,
    "conversions": True,
    "coupons": False,
    "dev_mailbox": False,
    "fraud_hold_events": False,
    "fraud_holds": True,
    "invitations": True,
    "ledger_accounts": True,
    "ledger_alarms": False,
    "ledger_transactions": True,
    "links": True,
    "notifications": False,
    "outbox_events": False,
    "password_reset_tokens": False,
    "payout_batches": True,
    "payout_items": False,
    "product_images": False,
    "product_reviews": False,
    "products": True,
    "recruiting_applications": False,
    "refresh_tokens": False,
    "refunds": False,
    "subscriptions": False,
    "tier_changes": False,
    "users": True,
    "webhook_attempts": False,
    "webhook_deliveries": True,
    "webhook_endpoints": True,
}

# lookups by `id` alone that cross organisations and were served by the old key: the outbox
# dispatcher reads events by id (`bitnexus_outbox_read`, `_since`), and the platform path checks
# its admin by user id (`bitnexus_assert_platform_admin`)
ID_INDEXES = ("outbox_events", "users")
# indexes the new primary keys make redundant
REDUNDANT = {
    "dev_mailbox": "ix_dev_mailbox_tenant_id_id",
    "outbox_events": "ix_outbox_events_tenant_id_id",
}

# the foreign keys resting on `table`'s key index, as (table, name, definition) to make again
_KEYS_ON = text(
    """
    SELECT conrelid::regclass::text AS owner, conname AS name,
           pg_get_constraintdef(oid) AS definition
      FROM pg_constraint
     WHERE contype = 'f' AND confrelid = CAST(:table AS regclass)
       AND conindid = CAST(:index AS regclass)
     ORDER BY 1, 2
    """
)

LINK_CODE = """
CREATE FUNCTION bitnexus_link_code() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO public.link_codes (code, tenant_id, link_id)
    VALUES (NEW.code, NEW.tenant_id, NEW.id);
    RETURN NULL;
END
$$
"""

LINK_TENANT = """
CREATE OR REPLACE FUNCTION bitnexus_link_tenant(p_code text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT tenant_id FROM public.{table} WHERE code = p_code
$$
"""


def _rekey(table: str, drop: list[str], add: list[str]) -> None:
    """Drop `table`'s constraints `drop` and add `add` (definitions), keeping every foreign key
    that rested on a dropped one (a deferrable key stays deferrable: its definition says so)."""
    bind = op.get_bind()
    keys = [k for name in drop for k in bind.execute(_KEYS_ON, {"table": table, "index": name})]
    for key in keys:
        op.execute(f"ALTER TABLE {key.owner} DROP CONSTRAINT {key.name}")
    changes = [f"DROP CONSTRAINT {name}" for name in drop] + [f"ADD {a}" for a in add]
    op.execute(f"ALTER TABLE {table} {', '.join(changes)}")
    for key in keys:
        op.execute(f"ALTER TABLE {key.owner} ADD CONSTRAINT {key.name} {key.definition}")


def upgrade(app_role: str = "bitnexus_app") -> None:
    for table, has_unique in REKEYED.items():
        _rekey(
            table,
            [f"pk_{table}"] + ([f"uq_{table}_tenant_id_id"] if has_unique else []),
            [f"CONSTRAINT pk_{table} PRIMARY KEY (tenant_id, id)"],
        )
    for table in ID_INDEXES:
        op.create_index(f"ix_{table}_id", table, ["id"])
    for table, index in REDUNDANT.items():
        op.drop_index(index, table_name=table)

    op.execute(
        """
        CREATE TABLE link_codes (
            code varchar(16) NOT NULL,
            tenant_id uuid NOT NULL,
            link_id uuid NOT NULL,
            CONSTRAINT pk_link_codes PRIMARY KEY (code),
            CONSTRAINT fk_link_codes_tenant_id_tenants FOREIGN KEY (tenant_id)
                REFERENCES tenants (id)
        )
        """
    )
    for statement in tenant_rls("link_codes", app_role, grants="SELECT"):
        op.execute(statement)
    op.execute(
        "INSERT INTO link_codes (code, tenant_id, link_id) SELECT code, tenant_id, id FROM links"
    )
    op.execute(LINK_CODE)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_link_code() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER link_code AFTER INSERT ON links FOR EACH ROW"
        " EXECUTE FUNCTION bitnexus_link_code()"
    )
    op.execute(
        "CREATE TRIGGER code_fixed BEFORE UPDATE OF code ON links FOR EACH ROW"
        " WHEN (OLD.code <> NEW.code) EXECUTE FUNCTION bitnexus_key_fixed()"
    )
    op.execute(LINK_TENANT.format(table="link_codes"))
    op.execute("ALTER TABLE links DROP CONSTRAINT uq_links_code")
    op.execute("ALTER TABLE links ADD CONSTRAINT uq_links_tenant_id_code UNIQUE (tenant_id, code)")


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("ALTER TABLE links DROP CONSTRAINT uq_links_tenant_id_code")
    op.execute("ALTER TABLE links ADD CONSTRAINT uq_links_code UNIQUE (code)")
    op.execute(LINK_TENANT.format(table="links"))
    op.execute("DROP TRIGGER code_fixed ON links")
    op.execute("DROP TRIGGER link_code ON links")
    op.execute("DROP FUNCTION bitnexus_link_code()")
    op.execute("DROP TABLE link_codes")

    for table, index in REDUNDANT.items():
        op.create_index(index, table, ["tenant_id", "id"])
    for table in ID_INDEXES:
        op.drop_index(f"ix_{table}_id", table_name=table)
    for table, has_unique in REKEYED.items():
        unique = f"CONSTRAINT uq_{table}_tenant_id_id UNIQUE (tenant_id, id)"
        _rekey(
            table,
            [f"pk_{table}"],
            [f"CONSTRAINT pk_{table} PRIMARY KEY (id)"] + ([unique] if has_unique else []),
        )
