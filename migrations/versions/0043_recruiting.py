"""recruiting: programme terms (versioned), join page questions, the auto-approve rule and
applications to join

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-04

An application keeps the questions as they were asked and the terms version accepted, with the
time; a pending application is unique per address, so a second submission finds the first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bitnexus.core.rls import tenant_rls

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.create_table(
        "recruiting_terms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", _TS, nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_recruiting_terms_version_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_recruiting_terms_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "version", name=op.f("pk_recruiting_terms")),
    )
    # published versions are kept as they were: no UPDATE or DELETE for the runtime role
    for statement in tenant_rls("recruiting_terms", app_role, grants="SELECT, INSERT"):
        op.execute(statement)

    op.create_table(
        "recruiting_questions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column(
            "options", postgresql.ARRAY(sa.String(length=100)), server_default="{}", nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('short_text', 'long_text', 'url', 'yes_no', 'single_choice')",
            name=op.f("ck_recruiting_questions_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_recruiting_questions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_recruiting_questions")),
    )
    op.create_index(
        "ix_recruiting_questions_tenant_id_position",
        "recruiting_questions",
        ["tenant_id", "position"],
        unique=True,
    )
    for statement in tenant_rls("recruiting_questions", app_role):
        op.execute(statement)

    op.create_table(
        "recruiting_rules",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("auto_approve", sa.String(length=16), nullable=False),
        sa.Column(
            "domains", postgresql.ARRAY(sa.String(length=253)), server_default="{}", nullable=False
        ),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint(
            "auto_approve IN ('off', 'all', 'email_domain', 'referred')",
            name=op.f("ck_recruiting_rules_auto_approve_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_recruiting_rules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_recruiting_rules")),
    )
    for statement in tenant_rls("recruiting_rules", app_role, grants="SELECT, INSERT, UPDATE"):
        op.execute(statement)

    op.create_table(
        "recruiting_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=True),
        sa.Column("terms_accepted_at", _TS, nullable=True),
        sa.Column("referred_by_id", sa.Uuid(), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_rule", sa.String(length=16), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_recruiting_applications_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_recruiting_applications_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL",
            name=op.f("ck_recruiting_applications_rejection_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_recruiting_applications_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referred_by_id"],
            ["users.tenant_id", "users.id"],
            name="fk_recruiting_applications_referred_by",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name="fk_recruiting_applications_user",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruiting_applications")),
    )
    op.create_index(
        "ix_recruiting_applications_pending_email",
        "recruiting_applications",
        ["tenant_id", sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_recruiting_applications_tenant_id_status_created_at",
        "recruiting_applications",
        ["tenant_id", "status", "created_at", "id"],
    )
    for statement in tenant_rls(
        "recruiting_applications", app_role, grants="SELECT, INSERT, UPDATE"
    ):
        op.execute(statement)


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_table("recruiting_applications")
    op.drop_table("recruiting_rules")
    op.drop_table("recruiting_questions")
    op.drop_table("recruiting_terms")
