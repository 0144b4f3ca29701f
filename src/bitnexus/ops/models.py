"""The development mailbox: mail that would have been sent, kept only in development mode."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Identity, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base


class DevMail(Base):
    __tablename__ = "dev_mailbox"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
