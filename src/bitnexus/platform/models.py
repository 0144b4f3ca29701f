"""Audit trail of platform-admin actions (written only by the SECURITY DEFINER functions)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Identity, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base


class PlatformAuditEntry(Base):
    __tablename__ = "platform_audit_log"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    actor_user_id: Mapped[uuid.UUID] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
