"""API keys. Only SHA-256 of the secret is stored; the key itself is shown once, at creation."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base, identified_by


class Scope(StrEnum):
    """What a key may do. Each scope is granted to the roles in `service.SCOPES_BY_ROLE`."""

    ledger_read = "ledger:read"
    conversions_write = "conversions:write"  # vendors' servers report sales and refunds
    conversions_browser = "conversions:browser"  # the snippet on a vendor's own site: sales only


class Mode(StrEnum):
    live = "live"
    test = "test"


PREFIXES = {Mode.live: "bnx_live_", Mode.test: "bnx_test_"}


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("ix_api_keys_tenant_id_user_id", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(8))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
