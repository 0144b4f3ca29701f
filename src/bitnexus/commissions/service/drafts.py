"""A sale decided and about to be written: its conversion and share rows as plain data (building
ORM objects cost a batch more than its SQL), the ledger transaction its commission is posted as,
and how a conversion reads in an answer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from bitnexus.commissions import accounts, split
from bitnexus.commissions.accounts import Earning
from bitnexus.commissions.models import (
    Attribution,
    Commission,
    CommissionState,
    Conversion,
    ConversionKind,
    ConversionState,
    HoldReason,
    ShareKind,
    Unattributed,
)
from bitnexus.commissions.schemas import ConversionRead, ShareRead
from bitnexus.commissions.service.attribution import Plan
from bitnexus.commissions.service.findings import Finding
from bitnexus.commissions.service.recurring import Subscribed
from bitnexus.core.outbox import NewEvent, admins_topic, user_topic
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec, TransactionSpec


@dataclass(slots=True)
class NewConversion:
    """A conversion about to be inserted: a `Conversion` row as plain data."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    vendor_id: uuid.UUID
    order_id: str
    amount_minor: int
    currency: str
    customer_ref: str | None
    product_id: uuid.UUID | None
    click_id: uuid.UUID | None
    link_id: uuid.UUID | None
    coupon_code: str | None
    affiliate_id: uuid.UUID | None
    attribution: Attribution
    unattributed_reason: Unattributed | None
    state: ConversionState
    source: str
    digest: bytes
    ip_hash: bytes | None
    commission_bps: int | None
    commission_fixed_minor: int | None
    tier_bonus_bps: int
    fee_bps: int
    override_bps: list[int]
    pool_minor: int
    refunded_minor: int
    ledger_transaction_id: uuid.UUID | None
    created_at: dt.datetime
    matures_at: dt.datetime | None
    matured_at: dt.datetime | None
    kind: ConversionKind
    subscription_ref: str | None
    renewal: int | None
    renewal_limit: int | None
    group_id: uuid.UUID | None

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class NewShare:
    """A share about to be inserted: a `Commission` row as plain data (building ORM objects cost
    a batch more than its SQL)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    conversion_id: uuid.UUID
    beneficiary_id: uuid.UUID | None
    vendor_id: uuid.UUID
    product_id: uuid.UUID
    link_id: uuid.UUID | None
    kind: ShareKind
    level: int
    amount_minor: int
    reversed_minor: int
    currency: str
    state: CommissionState
    created_at: dt.datetime
    updated_at: dt.datetime

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def share_rows(
    conversion: NewConversion,
    plan: Plan,
    affiliate_id: uuid.UUID,
    product_id: uuid.UUID,
    state: CommissionState,
    now: dt.datetime,
) -> list[NewShare]:
    parties: list[tuple[ShareKind, int, uuid.UUID | None, int]] = [
        (ShareKind.affiliate, 0, affiliate_id, plan.shares.affiliate),
        *(
            (ShareKind.override, u.level, u.id, amount)
            for u, amount in zip(plan.uplines, plan.shares.overrides, strict=True)
        ),
        (ShareKind.platform_fee, 0, None, plan.shares.fee),
    ]
    return [
        NewShare(
            id=uuid.uuid4(),
            tenant_id=conversion.tenant_id,
            conversion_id=conversion.id,
            beneficiary_id=who,
            vendor_id=conversion.vendor_id,
            product_id=product_id,
            link_id=conversion.link_id,
            kind=kind,
            level=level,
            amount_minor=amount,
            reversed_minor=0,
            currency=conversion.currency,
            state=state,
            created_at=now,
            updated_at=now,
        )
        for kind, level, who, amount in parties
        if amount > 0
    ]


EARNING_OF = {
    CommissionState.pending: Earning.pending,
    CommissionState.held: Earning.held,
    CommissionState.available: Earning.available,
}


def share_account(share: Commission | NewShare, state: Earning | None = None) -> ledger.AccountSpec:
    """Where a share's money is: the platform's fees, or the beneficiary's account for `state`
    (by default the share's own state)."""
    if share.beneficiary_id is None:
        return accounts.fees(share.currency)
    earning = state or EARNING_OF[CommissionState(share.state)]
    return accounts.earnings(share.beneficiary_id, earning, share.currency)


@dataclass
class Draft:
    """A sale decided and about to be written."""

    index: int  # in the batch
    order: tuple[uuid.UUID, str]  # the vendor, the order id
    conversion: NewConversion
    shares: list[NewShare]
    plan: Plan | None
    held: list[Finding]  # the fraud rules that hold it, with what each found
    title: str | None
    subscription: Subscribed | None = None  # the one it starts or renews

    def posting(self) -> tuple[list[ledger.AccountSpec], TransactionSpec]:
        """The accounts the commission moves between, and its balanced transaction."""
        conversion, plan = self.conversion, self.plan
        assert plan is not None
        currency = conversion.currency
        receivable = accounts.receivable(conversion.vendor_id, currency)
        credited = [(share_account(s), s) for s in self.shares]
        commission: dict[str, int | None] = {"bps": plan.rule.bps, "fixed_minor": plan.rule.fixed}
        spec = TransactionSpec(
            id=conversion.ledger_transaction_id,
            idempotency_key=f"conversion:{conversion.id}",
            description=f"{_what(conversion)}: {self.title}, order {conversion.order_id}",
            postings=[
                PostingSpec(receivable.code, plan.shares.pool, currency),
                *(PostingSpec(account.code, -s.amount_minor, currency) for account, s in credited),
            ],
            metadata={
                "rule": split.RULE,
                "conversion_id": str(conversion.id),
                "order_id": conversion.order_id,
                "sale_minor": conversion.amount_minor,
                "commission": commission,
                "tier": plan.tier,
                "tier_bonus_bps": plan.rule.bonus_bps,
                "fee_bps": plan.fee_bps,
                "override_bps": plan.override_bps,
                "pool_minor": plan.shares.pool,
                "kind": conversion.kind,
                "subscription_id": conversion.subscription_ref,
                "renewal": conversion.renewal,
            },
        )
        return [receivable, *(account for account, _ in credited)], spec

    def read(self, *, test: bool = False) -> ConversionRead:
        held = [f.reason for f in self.held]
        return conversion_read(self.conversion, self.shares, self.title, held, test=test)

    def announced(self) -> list[NewEvent]:
        """The sale to its vendor and the organisation's admins (`conversion.created`), and
        each share to whoever earns it (`commission.created`, held or pending)."""
        c = self.conversion
        sale = {
            "conversion_id": c.id,
            "order_id": c.order_id,
            "product_id": c.product_id,
            "product_title": self.title,
            "amount_minor": c.amount_minor,
            "currency": c.currency,
            "state": c.state,
            "affiliate_id": c.affiliate_id,
            "attribution": c.attribution,
            "kind": c.kind,
            "subscription_id": c.subscription_ref,
            "renewal": c.renewal,
        }
        topics = [user_topic(c.vendor_id), admins_topic(c.tenant_id)]
        events = [NewEvent(c.tenant_id, "conversion.created", sale, topics)]
        for s in self.shares:
            if s.beneficiary_id is None:
                continue
            earned = {
                "commission_id": s.id,
                "conversion_id": c.id,
                "kind": s.kind,
                "level": s.level,
                "product_title": self.title,
                "amount_minor": s.amount_minor,
                "currency": s.currency,
                "state": s.state,
            }
            topics = [user_topic(s.beneficiary_id)]
            events.append(NewEvent(c.tenant_id, "commission.created", earned, topics))
        return events


def conversion_read(
    conversion: Conversion | NewConversion,
    shares: Sequence[Commission | NewShare],
    title: str | None,
    held: Sequence[HoldReason] = (),
    *,
    test: bool = False,
) -> ConversionRead:
    return ConversionRead(
        id=conversion.id,
        order_id=conversion.order_id,
        amount_minor=conversion.amount_minor,
        currency=conversion.currency,
        refunded_minor=conversion.refunded_minor,
        product_id=conversion.product_id,
        product_title=title,
        affiliate_id=conversion.affiliate_id,
        attribution=Attribution(conversion.attribution),
        unattributed_reason=(
            Unattributed(conversion.unattributed_reason) if conversion.unattributed_reason else None
        ),
        state=ConversionState(conversion.state),
        pool_minor=conversion.pool_minor,
        shares=[ShareRead.model_validate(s) for s in shares],
        ledger_transaction_id=conversion.ledger_transaction_id,
        created_at=conversion.created_at,
        matures_at=conversion.matures_at,
        hold_reasons=list(held),
        test=test,
        kind=ConversionKind(conversion.kind),
        subscription_id=conversion.subscription_ref,
        renewal=conversion.renewal,
        renewal_limit=conversion.renewal_limit,
    )


def _what(conversion: NewConversion) -> str:
    """What a commission transaction pays for, in its description."""
    if conversion.kind == ConversionKind.lead:
        return "Lead reward"
    if conversion.renewal:
        return f"Renewal {conversion.renewal} commission"
    return "Commission"
