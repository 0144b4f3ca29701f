"""Request and response shapes of payouts (money in integer minor units)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from bitnexus.core.schemas import InputModel, OutputModel
from bitnexus.payouts.models import BatchStatus, ItemStatus, Method

Name = Annotated[str, StringConstraints(min_length=2, max_length=120)]


class _Details(BaseModel):
    """One method's details (NUL characters are refused by the enclosing InputModel)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def iban_ok(iban: str) -> bool:
    """ISO 13616: 15-34 characters, country letters, check digits, mod 97 == 1."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class PaypalDetails(_Details):
    method: Literal["paypal"]
    email: EmailStr


class WiseDetails(_Details):
    method: Literal["wise"]
    email: EmailStr


class BankDetails(_Details):
    method: Literal["bank_transfer"]
    account_holder: Name
    iban: str = Field(max_length=42)
    bic: str | None = Field(None, pattern=r"^[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$")

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        compact = value.replace(" ", "").upper()
        if not iban_ok(compact):
            raise ValueError("Not a valid IBAN.")
        return compact

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class PayoutMethodUpdate(InputModel):
    details: PaypalDetails | WiseDetails | BankDetails = Field(discriminator="method")


class PayoutMethodRead(OutputModel):
    method: Method
    account: str  # shown masked: the email, or the IBAN's last four
    updated_at: dt.datetime


class PayoutSettings(OutputModel):
    threshold_minor: int  # the caller's: their group's, else the programme's
    schedule: Literal["weekly", "monthly", "manual"]
    currency: str
    next_payout: dt.date | None


class Preview(OutputModel):
    """Who a batch made now would pay, and who it would leave out (and why)."""

    currency: str
    threshold_minor: int
    candidates: list[Candidate]
    total_minor: int


class BatchCreate(InputModel):
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")  # the program's by default


class Candidate(OutputModel):
    """An affiliate with an available balance, and whether the batch pays them."""

    affiliate_id: uuid.UUID
    affiliate_name: str
    available_minor: int
    method: Method | None
    threshold_minor: int  # theirs: their group's, else the programme's
    skipped: Literal["below_threshold", "no_payout_method"] | None


class ItemRead(OutputModel):
    id: uuid.UUID
    batch_id: uuid.UUID
    affiliate_id: uuid.UUID
    affiliate_name: str
    amount_minor: int
    currency: str
    method: Method
    account: str
    reference: str
    status: ItemStatus
    failure_reason: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


class BatchRead(OutputModel):
    id: uuid.UUID
    number: int
    currency: str
    status: BatchStatus
    total_minor: int
    paid_minor: int
    failed_minor: int
    items: list[ItemRead]
    scheduled: bool  # made by the tenant's payout schedule, not by an admin
    created_at: dt.datetime
    closed_at: dt.datetime | None


class BatchSummary(OutputModel):
    id: uuid.UUID
    number: int
    currency: str
    status: BatchStatus
    item_count: int
    total_minor: int
    scheduled: bool
    created_at: dt.datetime


class ItemSettle(InputModel):
    status: Literal["paid", "failed"]
    failure_reason: str = Field("", max_length=500)
