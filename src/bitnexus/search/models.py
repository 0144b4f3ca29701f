"""Each product's embedding, the hash of the text it was computed from and the product's
approval (tenant-owned)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKeyConstraint, Index, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from bitnexus.core.db import Base
from bitnexus.core.vector import Vector

DIMENSIONS = 384  # all-MiniLM-L6-v2


class ProductEmbedding(Base):
    __tablename__ = "product_embeddings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            ondelete="CASCADE",
        ),
        Index(
            "ix_product_embeddings_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(DIMENSIONS))
    text_hash: Mapped[bytes] = mapped_column(LargeBinary)  # sha256 of bitnexus_search_text(...)
    embedded_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    # the product's approval, set and kept in step by triggers (migration 0050): an unfiltered
    # nearest-neighbour scan keeps the marketplace's rows without reading their products
    approved: Mapped[bool] = mapped_column(server_default=text("false"))
