"""clicks: every visit through a link (raw, with bot flags and reasons, unique flag), append-
only; and the daily salts for hashing visitor addresses (deleted after two days)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import append_only, tenant_rls

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "click_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_click_salts")),
    )
    op.create_table(
        "clicks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("affiliate_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip_hash", sa.LargeBinary(), nullable=False),
        sa.Column("visitor_hash", sa.LargeBinary(), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("referrer", sa.String(length=2000), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("bot_reason", sa.String(length=16), nullable=True),
        sa.Column("is_unique", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "bot_reason IN ('user_agent', 'no_user_agent', 'head', 'prefetch', 'rate')",
            name=op.f("ck_clicks_bot_reason_known"),
        ),
        sa.CheckConstraint(
            "is_bot = (bot_reason IS NOT NULL)", name=op.f("ck_clicks_bot_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "link_id"],
            ["links.tenant_id", "links.id"],
            name=op.f("fk_clicks_tenant_id_link_id_links"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_clicks_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    op.create_index(
        "ix_clicks_tenant_id_affiliate_id_created_at",
        "clicks",
        ["tenant_id", "affiliate_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_clicks_tenant_id_link_id_created_at",
        "clicks",
        ["tenant_id", "link_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_clicks_tenant_id_link_id_ip_hash_created_at",
        "clicks",
        ["tenant_id", "link_id", "ip_hash", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_clicks_tenant_id_link_id_visitor_hash_created_at",
        "clicks",
        ["tenant_id", "link_id", "visitor_hash", "created_at"],
        unique=False,
    )

    for statement in tenant_rls("clicks", app_role, grants="SELECT, INSERT"):
        op.execute(statement)
    for statement in append_only("clicks"):
        op.execute(statement)
    op.execute(f'GRANT SELECT, INSERT, DELETE ON click_salts TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_index("ix_clicks_tenant_id_link_id_visitor_hash_created_at", table_name="clicks")
    op.drop_index("ix_clicks_tenant_id_link_id_created_at", table_name="clicks")
    op.drop_index("ix_clicks_tenant_id_affiliate_id_created_at", table_name="clicks")
    op.drop_table("clicks")
    op.drop_table("click_salts")
