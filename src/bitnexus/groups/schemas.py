"""Group requests and answers: a group's terms, and moves of affiliates between groups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from bitnexus.core.schemas import BasisPoints, InputModel, OutputModel

MAX_PRODUCTS = 100

GroupName = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Description = Annotated[str, StringConstraints(max_length=500)]
Note = Annotated[str, StringConstraints(max_length=300)]
Minor = Annotated[int, Field(ge=0, le=10**15)]


class GroupWrite(InputModel):
    """A group's terms, whole: a rate or a fixed amount per sale (or neither: the programme's
    rule) over its products (none: every product), and a payout threshold (none: the
    organisation's)."""

    name: GroupName
    description: Description = ""
    commission_bps: BasisPoints | None = None
    commission_fixed_minor: Minor | None = None
    product_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_PRODUCTS)
    payout_threshold_minor: Minor | None = None


class ProductRef(OutputModel):
    id: uuid.UUID
    name: str


class GroupRef(OutputModel):
    id: uuid.UUID
    name: str


class GroupRead(OutputModel):
    id: uuid.UUID
    name: str
    description: str
    commission_bps: int | None
    commission_fixed_minor: int | None
    products: list[ProductRef]  # the products its rule covers; none: every product
    payout_threshold_minor: int | None
    members: int
    created_at: dt.datetime
    updated_at: dt.datetime


class MoveCreate(InputModel):
    affiliate_id: uuid.UUID
    group_id: uuid.UUID | None  # None: out of any group
    note: Note = ""


class MoveRead(OutputModel):
    """A move, applying to the affiliate's sales recorded after `moved_at`."""

    id: uuid.UUID
    affiliate_id: uuid.UUID
    affiliate_name: str
    group_id: uuid.UUID | None
    group_name: str | None
    from_group_id: uuid.UUID | None
    from_group_name: str | None
    note: str
    moved_at: dt.datetime
    moved_by_name: str | None
