"""Refunds: part or all of a sale given back, and the commission that goes with it.

Each share is cut to floor(share × what is left of the sale / sale) (rule `split-v1`); the
difference goes back to the vendor in one balanced transaction. Inside the refund hold it comes
out of pending earnings; after it (the conversion has matured) it is clawed back from available
earnings, which may go below zero: a debt the affiliate's next earnings pay off.

A lead has no amount: it is voided whole, by a refund of its reward (`pool_minor`), with the
same reversal (before it matures) or clawback (after).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.commissions import accounts, repository, split
from bitnexus.commissions.errors import RefundConflict
from bitnexus.commissions.models import (
    Commission,
    CommissionState,
    Conversion,
    ConversionKind,
    ConversionState,
    Refund,
)
from bitnexus.commissions.schemas import RefundCreate, RefundRead
from bitnexus.commissions.service.conversions import Reporter, visible
from bitnexus.commissions.service.drafts import share_account
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden, InvalidInput
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec


def read(refund: Refund) -> RefundRead:
    return RefundRead(
        id=refund.id,
        conversion_id=refund.conversion_id,
        refund_id=refund.refund_ref,
        amount_minor=refund.amount_minor,
        reason=refund.reason,
        clawback=refund.clawback,
        ledger_transaction_id=refund.ledger_transaction_id,
        created_at=refund.created_at,
    )


async def refund(
    session: AsyncSession,
    reporter: Reporter,
    conversion_id: uuid.UUID,
    body: RefundCreate,
    *,
    now: dt.datetime | None = None,
) -> tuple[RefundRead, bool]:
    """Refund part or all of a conversion (or return the refund recorded under this refund id
    before); True when new."""
    if reporter.test:
        raise Forbidden("Test keys cannot refund: their conversions are not stored.")
    now = now or utcnow()
    conversion = await visible(session, reporter.user, conversion_id, lock=True)
    earlier = await repository.refund_by_ref(session, conversion.id, body.refund_id)
    if earlier is not None:
        if earlier.amount_minor != body.amount_minor:
            raise RefundConflict(
                f"Refund {body.refund_id} was for {earlier.amount_minor}, not {body.amount_minor}."
            )
        return read(earlier), False
    lead = conversion.kind == ConversionKind.lead
    left = conversion.amount_minor - conversion.refunded_minor
    if lead:
        _check_void(conversion, body.amount_minor)
    elif body.amount_minor > left:
        raise InvalidInput("amount_minor", f"At most {left} of this sale is left to refund.")
    clawback = conversion.state == ConversionState.matured
    made = Refund(
        id=uuid.uuid4(),
        tenant_id=conversion.tenant_id,
        conversion_id=conversion.id,
        refund_ref=body.refund_id,
        amount_minor=body.amount_minor,
        reason=body.reason,
        clawback=clawback,
        ledger_transaction_id=None,
        created_at=now,
    )
    made.ledger_transaction_id = await _give_back(
        session, conversion, made, 0 if lead else left - body.amount_minor, now
    )
    if lead:
        conversion.state = ConversionState.refunded
    else:
        conversion.refunded_minor += body.amount_minor
    if conversion.refunded_minor == conversion.amount_minor and conversion.affiliate_id:
        conversion.state = ConversionState.refunded
    session.add(made)
    await session.flush()
    return read(made), True


async def _give_back(
    session: AsyncSession, conversion: Conversion, made: Refund, net: int, now: dt.datetime
) -> uuid.UUID | None:
    """Cut every share to what `net` of the sale earns and post the difference back."""
    shares = (await repository.shares_of(session, [conversion.id]))[conversion.id]
    postings: list[PostingSpec] = []
    opened: list[ledger.AccountSpec] = []
    announced: list[NewEvent] = []
    total = 0
    for share in shares:
        if share.state == CommissionState.rejected:  # its money went back when it was rejected
            continue
        kept = split.scaled_share(share.amount_minor, net, conversion.amount_minor) if net else 0
        back = share.amount_minor - share.reversed_minor - kept
        if back <= 0:
            continue
        account = share_account(share)
        opened.append(account)
        postings.append(PostingSpec(account.code, back, share.currency))
        share.reversed_minor += back
        share.updated_at = now
        if share.reversed_minor == share.amount_minor:
            share.state = CommissionState.reversed
        total += back
        if share.beneficiary_id is not None:
            announced.append(_cut(share, back, made))
    if total == 0:
        return None
    await emit(session, *announced)
    receivable = accounts.receivable(conversion.vendor_id, conversion.currency)
    await ledger.open_accounts(session, conversion.tenant_id, [receivable, *opened])
    posted = await ledger.post_transaction(
        session,
        conversion.tenant_id,
        idempotency_key=f"refund:{made.id}",
        description=(
            f"{'Clawback' if made.clawback else 'Refund'}: order {conversion.order_id}, "
            f"{made.amount_minor} of {conversion.amount_minor}"
        ),
        postings=[*postings, PostingSpec(receivable.code, -total, conversion.currency)],
        metadata={
            "rule": split.RULE,
            "conversion_id": str(conversion.id),
            "refund_id": made.refund_ref,
            "sale_minor": conversion.amount_minor,
            "net_minor": net,
            "clawback": made.clawback,
        },
        reverses=conversion.ledger_transaction_id,
    )
    return posted.id


def _check_void(lead: Conversion, amount: int) -> None:
    if lead.state in (ConversionState.refunded, ConversionState.rejected):
        raise InvalidInput("amount_minor", "This lead was voided already.")
    if not lead.pool_minor or lead.affiliate_id is None:
        raise InvalidInput("amount_minor", "This lead earned nothing: there is nothing to void.")
    if amount != lead.pool_minor:
        raise InvalidInput(
            "amount_minor", f"A lead is voided whole: refund its reward of {lead.pool_minor}."
        )


def _cut(share: Commission, back: int, made: Refund) -> NewEvent:
    """A commission cut by a refund: reversed before it matured, clawed back after."""
    kind = "commission.clawed_back" if made.clawback else "commission.reversed"
    data = {
        "commission_id": share.id,
        "conversion_id": share.conversion_id,
        "amount_minor": back,
        "left_minor": share.amount_minor - share.reversed_minor,
        "currency": share.currency,
        "reason": made.reason,
    }
    assert share.beneficiary_id is not None
    return NewEvent(share.tenant_id, kind, data, [user_topic(share.beneficiary_id)])
