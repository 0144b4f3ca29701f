"""Request and response shapes of the catalog API (money in integer minor units)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints, ValidationInfo, field_validator

from bitnexus.catalog.models import Decision, Grade, ProductStatus
from bitnexus.core.money import BPS, Currency
from bitnexus.core.schemas import InputModel, OutputModel

Title = Annotated[str, StringConstraints(min_length=3, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
Category = Annotated[str, StringConstraints(min_length=2, max_length=60)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=30, to_lower=True)]
MAX_AMOUNT = 10**12  # minor units: ten billion in a two-decimal currency


class CommissionRule(InputModel):
    """A percentage in basis points, or a fixed amount per sale; neither: the tenant default."""

    bps: int | None = Field(None, ge=0, le=BPS)
    fixed_minor: int | None = Field(None, ge=0, le=MAX_AMOUNT)

    @field_validator("fixed_minor")
    @classmethod
    def _one_rule(cls, fixed: int | None, info: ValidationInfo) -> int | None:
        if fixed is not None and info.data.get("bps") is not None:
            raise ValueError("Give a percentage or a fixed amount, not both.")
        return fixed


class ProductFields(InputModel):
    title: Title
    description: Description = ""
    category: Category
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    price_minor: int = Field(gt=0, le=MAX_AMOUNT)
    currency: Currency
    landing_url: AnyHttpUrl
    commission: CommissionRule = Field(default_factory=CommissionRule)
    cookie_days: int | None = Field(None, ge=1, le=365)
    refund_hold_days: int | None = Field(None, ge=0, le=365)

    @field_validator("landing_url")
    @classmethod
    def _https_or_local(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(url)) > 2000:
            raise ValueError("At most 2000 characters.")
        if url.scheme != "https" and url.host not in {"localhost", "127.0.0.1"}:
            raise ValueError("Use an https:// address.")
        return url

    @field_validator("tags")
    @classmethod
    def _distinct(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(tags))


class ProductCreate(ProductFields):
    pass


class ProductUpdate(ProductFields):
    """The whole product again: an edit sends it back to the vetting queue."""


class Review(InputModel):
    decision: Decision
    grade: Grade | None = Field(None, validate_default=True)
    notes: Annotated[str, StringConstraints(max_length=2000)] = ""
    reason: Annotated[str, StringConstraints(max_length=2000)] = Field("", validate_default=True)

    @field_validator("grade")
    @classmethod
    def _graded(cls, grade: Grade | None, info: ValidationInfo) -> Grade | None:
        if info.data.get("decision") is Decision.approved and grade is None:
            raise ValueError("An approval needs a grade (S, A, B, C, D or F).")
        return grade

    @field_validator("reason")
    @classmethod
    def _explained(cls, reason: str, info: ValidationInfo) -> str:
        if info.data.get("decision") is Decision.rejected and not reason:
            raise ValueError("A rejection needs a reason the vendor can act on.")
        return reason


class CommissionRead(OutputModel):
    kind: Literal["percent", "fixed"]
    bps: int | None
    fixed_minor: int | None
    per_sale_minor: int  # `split.pool` of one sale at the list price, without a tier bonus
    is_default: bool
    # to an affiliate in a group whose rule covers the product: that group (the rule above is
    # the group's, the one their sales earn by)
    group: str | None = None


class ImageRead(OutputModel):
    id: uuid.UUID
    url: str
    width: int
    height: int


class ProductRead(OutputModel):
    id: uuid.UUID
    vendor_id: uuid.UUID
    vendor_name: str
    title: str
    description: str
    category: str
    tags: list[str]
    price_minor: int
    currency: str
    landing_url: str
    commission: CommissionRead
    cookie_days: int
    refund_hold_days: int
    status: ProductStatus
    grade: Grade | None
    review_notes: str | None  # shown to its vendor and admins only
    rejection_reason: str
    images: list[ImageRead]
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    # in marketplace listings: what affiliates earned per click on it, all time (None: unclicked)
    epc_minor: int | None = None


class ProductPage(OutputModel):
    items: list[ProductRead]
    next_cursor: str | None


class CategoryCount(OutputModel):
    category: str
    products: int


class ReviewRead(OutputModel):
    id: uuid.UUID
    reviewer_id: uuid.UUID
    reviewer_name: str
    decision: Decision
    grade: Grade | None
    notes: str
    reason: str
    created_at: dt.datetime
