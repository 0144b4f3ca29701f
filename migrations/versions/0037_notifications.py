"""notifications: what each user was told (one row per outbox event and user, so recording an
event again changes nothing), and each user's channel per kind of notification

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# the tenants with notifications to mail now (read across tenants by the mail job)
DUE = """
CREATE FUNCTION bitnexus_notifications_due(p_max_attempts integer, p_now timestamptz)
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT DISTINCT n.tenant_id FROM public.notifications n
    WHERE n.mail AND n.mailed_at IS NULL AND n.mail_attempts < p_max_attempts
      AND (n.mail_next_at IS NULL OR n.mail_next_at <= p_now)
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.Column("mail", sa.Boolean(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mail_next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_notifications_tenant_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "event_id",
            name=op.f("uq_notifications_tenant_id_user_id_event_id"),
        ),
    )
    op.create_index(
        "ix_notifications_tenant_id_user_id_id", "notifications", ["tenant_id", "user_id", "id"]
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["tenant_id", "user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_mail_due",
        "notifications",
        ["mail_next_at"],
        postgresql_where=sa.text("mail AND mailed_at IS NULL"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "channel IN ('mail', 'in_app', 'off')",
            name=op.f("ck_notification_preferences_channel_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_notification_preferences_tenant_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "user_id", "kind", name=op.f("pk_notification_preferences")
        ),
    )
    for table in ("notifications", "notification_preferences"):
        for statement in tenant_rls(table, app_role):
            op.execute(statement)
    op.execute(DUE)
    op.execute(
        "REVOKE ALL ON FUNCTION bitnexus_notifications_due(integer, timestamptz) FROM PUBLIC"
    )
    op.execute(
        f'GRANT EXECUTE ON FUNCTION bitnexus_notifications_due(integer, timestamptz) TO "{app_role}"'
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_notifications_due(integer, timestamptz)")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_mail_due", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_tenant_id_user_id_id", table_name="notifications")
    op.drop_table("notifications")
