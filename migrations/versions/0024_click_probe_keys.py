"""clicks carry a key of their link with their visitor and one with their address, so the
unique and `rate` probes of each new click can use one index only: with indexes on
(tenant, link, hash, time) the planner, its statistics lagging behind a link's newest clicks,
could take another index on (tenant, link, ...) and read every click of the link's day; a
visitor's clicks on any link keep an index of their own (first-click attribution)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = """
CREATE FUNCTION bitnexus_click_key(link_id uuid, hash bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN substring(sha256(uuid_send(link_id) || hash) FROM 1 FOR 16)
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(KEY)
    for name, of in (("visitor_key", "visitor_hash"), ("address_key", "ip_hash")):
        op.add_column(
            "clicks",
            sa.Column(
                name,
                sa.LargeBinary(),
                sa.Computed(f"bitnexus_click_key(link_id, {of})", persisted=True),
                nullable=False,
            ),
        )
        op.create_index(op.f(f"ix_clicks_tenant_id_{name}_created_at"), "clicks",
                        ["tenant_id", name, "created_at"])  # fmt: skip
        op.drop_index(op.f(f"ix_clicks_tenant_id_link_id_{of}_created_at"), table_name="clicks")
    # a visitor's clicks on any link (first-click attribution), no longer under their link
    op.create_index(op.f("ix_clicks_tenant_id_visitor_hash_created_at"), "clicks",
                    ["tenant_id", "visitor_hash", "created_at"])  # fmt: skip


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_index(op.f("ix_clicks_tenant_id_visitor_hash_created_at"), table_name="clicks")
    for name, of in (("visitor_key", "visitor_hash"), ("address_key", "ip_hash")):
        op.create_index(op.f(f"ix_clicks_tenant_id_link_id_{of}_created_at"), "clicks",
                        ["tenant_id", "link_id", of, "created_at"])  # fmt: skip
        op.drop_index(op.f(f"ix_clicks_tenant_id_{name}_created_at"), table_name="clicks")
        op.drop_column("clicks", name)
    op.execute("DROP FUNCTION bitnexus_click_key(uuid, bytea)")
