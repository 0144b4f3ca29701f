"""Maturing: when a conversion's refund hold ends, its pending shares become available.

One balanced transaction per conversion moves what is left of each share (after partial
refunds) from the beneficiary's pending account to their available one. The platform's fee was
revenue from the start; its share is only marked available.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.commissions import repository
from bitnexus.commissions.accounts import Earning
from bitnexus.commissions.models import Commission, CommissionState, ConversionState
from bitnexus.commissions.service import tiers
from bitnexus.commissions.service.drafts import share_account
from bitnexus.core.errors import BitnexusError
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec, TransactionSpec
from bitnexus.tenants import service as tenants

BATCH = 200


async def mature_due(session: AsyncSession, tenant_id: uuid.UUID, *, now: dt.datetime) -> int:
    """Mature up to `BATCH` of the tenant's conversions whose hold ended by `now` (others'
    workers skip the ones this one holds); returns how many."""
    due = await repository.due(session, now, BATCH)
    if not due:
        return 0
    shares = await repository.shares_of(session, [c.id for c in due])
    specs: list[TransactionSpec] = []
    opened: dict[str, ledger.AccountSpec] = {}
    matured: list[NewEvent] = []
    for conversion in due:
        postings: list[PostingSpec] = []
        for share in shares[conversion.id]:
            if share.state != CommissionState.pending:
                continue
            share.state = CommissionState.available
            share.updated_at = now
            left = share.amount_minor - share.reversed_minor
            if share.beneficiary_id is None or left == 0:
                continue
            matured.append(_matured(share, left))
            source, target = (
                share_account(share, Earning.pending),
                share_account(share, Earning.available),
            )
            opened[target.code] = target
            postings += [
                PostingSpec(source.code, left, share.currency),
                PostingSpec(target.code, -left, share.currency),
            ]
        conversion.state = ConversionState.matured
        conversion.matured_at = now
        if postings:
            specs.append(
                TransactionSpec(
                    idempotency_key=f"mature:{conversion.id}",
                    postings=postings,
                    description=f"Matured: order {conversion.order_id}",
                    metadata={"conversion_id": str(conversion.id)},
                )
            )
    await emit(session, *matured)
    await ledger.open_accounts(session, tenant_id, list(opened.values()))
    for outcome in await ledger.post_transactions(session, tenant_id, specs):
        if isinstance(outcome, BitnexusError):
            raise outcome
    await session.flush()
    tenant = await tenants.current(session, tenant_id)
    for who in sorted({s.beneficiary_id for c in due for s in shares[c.id] if s.beneficiary_id}):
        await tiers.standing(session, tenant, who, now)
    return len(due)


def _matured(share: Commission, amount: int) -> NewEvent:
    """A commission its beneficiary may now be paid (its refund hold is over)."""
    assert share.beneficiary_id is not None
    data = {
        "commission_id": share.id,
        "conversion_id": share.conversion_id,
        "kind": share.kind,
        "amount_minor": amount,
        "currency": share.currency,
    }
    topics = [user_topic(share.beneficiary_id)]
    return NewEvent(share.tenant_id, "commission.matured", data, topics)
