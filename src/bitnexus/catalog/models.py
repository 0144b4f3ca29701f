"""Products, their images and the vetting decisions about them; every table tenant-owned."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSVECTOR
from sqlalchemy.orm import Mapped, deferred, mapped_column

from bitnexus.core.db import Base, identified_by


class ProductStatus(StrEnum):
    pending = "pending"  # new or edited: waiting in the vetting queue
    approved = "approved"  # in the marketplace
    rejected = "rejected"
    archived = "archived"  # withdrawn by its vendor


class Grade(StrEnum):
    S = "S"
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"


class Decision(StrEnum):
    approved = "approved"
    rejected = "rejected"


class Product(Base):
    """A vendor's offer. A commission rule left empty means the tenant's default percentage."""

    __tablename__ = "products"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "vendor_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'archived')", name="status_known"
        ),
        CheckConstraint("grade IN ('S', 'A', 'B', 'C', 'D', 'F')", name="grade_known"),
        CheckConstraint("status <> 'approved' OR grade IS NOT NULL", name="approved_is_graded"),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="commission_bps_range"),
        CheckConstraint("commission_fixed_minor >= 0", name="commission_fixed_not_negative"),
        CheckConstraint(
            "commission_bps IS NULL OR commission_fixed_minor IS NULL", name="one_commission_rule"
        ),
        CheckConstraint("cookie_days BETWEEN 1 AND 365", name="cookie_days_range"),
        CheckConstraint("refund_hold_days BETWEEN 0 AND 365", name="refund_hold_days_range"),
        Index(
            "ix_products_tenant_id_status_reviewed_at_id",
            "tenant_id",
            "status",
            "reviewed_at",
            "id",
        ),
        Index(
            "ix_products_tenant_id_vendor_id_created_at_id",
            "tenant_id",
            "vendor_id",
            "created_at",
            "id",
        ),
        Index(
            "ix_products_tenant_id_status_submitted_at_id",
            "tenant_id",
            "status",
            "submitted_at",
            "id",
        ),
        Index("ix_products_search_document", "search_document", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    vendor_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), server_default="{}")
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    landing_url: Mapped[str] = mapped_column(String(2000))
    commission_bps: Mapped[int | None] = mapped_column()
    commission_fixed_minor: Mapped[int | None] = mapped_column(BigInteger)
    cookie_days: Mapped[int | None] = mapped_column()
    refund_hold_days: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(1))
    review_notes: Mapped[str] = mapped_column(Text, server_default="")
    rejection_reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    submitted_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    # full-text search: title (weight A), category and tags (B), description (C); never loaded
    search_document: Mapped[str] = deferred(
        mapped_column(
            TSVECTOR,
            Computed("bitnexus_search_document(title, description, category, tags)"),
        )
    )


class ProductImage(Base):
    __tablename__ = "product_images"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "product_id"], ["products.tenant_id", "products.id"], ondelete="CASCADE"
        ),
        Index(
            "ix_product_images_tenant_id_product_id_position", "tenant_id", "product_id", "position"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    product_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class ProductReview(Base):
    """One vetting decision; the history of a product's reviews is never rewritten."""

    __tablename__ = "product_reviews"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        ForeignKeyConstraint(["tenant_id", "reviewer_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint("decision IN ('approved', 'rejected')", name="decision_known"),
        CheckConstraint("grade IN ('S', 'A', 'B', 'C', 'D', 'F')", name="grade_known"),
        Index(
            "ix_product_reviews_tenant_id_product_id_created_at",
            "tenant_id",
            "product_id",
            "created_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column()
    __mapper_args__ = identified_by(id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    product_id: Mapped[uuid.UUID] = mapped_column()
    reviewer_id: Mapped[uuid.UUID] = mapped_column()
    decision: Mapped[str] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(1))
    notes: Mapped[str] = mapped_column(Text, server_default="")
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))


class ProductSearchTerm(Base):
    """A word of an approved product's full-text document and its share of the product's
    ts_rank for any words joined by OR (`bitnexus_term_impact`): written by a trigger on
    products (migration 0048), read by keyword search a word's best products first."""

    __tablename__ = "product_search_terms"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "product_id", "lexeme"),
        ForeignKeyConstraint(
            ["tenant_id", "product_id"], ["products.tenant_id", "products.id"], ondelete="CASCADE"
        ),
        Index(
            "ix_product_search_terms_tenant_id_lexeme_impact_product_id",
            "tenant_id",
            "lexeme",
            "impact",
            "product_id",
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column()
    lexeme: Mapped[str] = mapped_column(Text)
    impact: Mapped[float] = mapped_column(REAL)


class ProductTitleWord(Base):
    """A word of some approved product's title, as spelt there (`bitnexus_title_words`): written
    by a trigger on products (migration 0049), never taken out; keyword search corrects a
    misspelt word to the nearest of these."""

    __tablename__ = "product_title_words"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "word"),
        Index(
            "ix_product_title_words_word_trgm",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    word: Mapped[str] = mapped_column(Text)
