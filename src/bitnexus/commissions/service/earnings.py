"""What a member has earned: their shares of sales, and their balances by state (read from
the ledger, so the figures are the ledger's)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.accounts.service import users
from bitnexus.commissions import hold_repository, repository
from bitnexus.commissions.accounts import Earning
from bitnexus.commissions.models import (
    CommissionState,
    ConversionKind,
    HoldReason,
    HoldStatus,
    ShareKind,
)
from bitnexus.commissions.schemas import CommissionShare, CommissionSharePage, Earnings
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.ledger import service as ledger


async def commissions(
    session: AsyncSession,
    user: User,
    *,
    state: CommissionState | None,
    cursor: str | None,
    limit: int,
    beneficiary_id: uuid.UUID | None = None,
) -> CommissionSharePage:
    """Your shares of sales (your own and your referrals' overrides), newest first; tenant
    admins see everyone's, or one member's."""
    rows = await repository.commissions_of(
        session,
        beneficiary_id=beneficiary_id if user.role == Role.tenant_admin else user.id,
        state=state,
        after=Cursor.decode(cursor),
        limit=limit + 1,
    )
    shown, next_cursor = split_page([share for share, _ in rows], limit)
    page = rows[: len(shown)]
    titles = await repository.titles(session, {v.product_id for _, v in page if v.product_id})
    holds = await hold_repository.holds_of(session, [sale.id for _, sale in page])
    earners = await users.names(session, {s.beneficiary_id for s, _ in page if s.beneficiary_id})
    items = [
        CommissionShare(
            id=share.id,
            conversion_id=sale.id,
            order_id=sale.order_id,
            beneficiary_id=share.beneficiary_id,
            beneficiary_name=earners.get(share.beneficiary_id) if share.beneficiary_id else None,
            kind=ShareKind(share.kind),
            level=share.level,
            amount_minor=share.amount_minor,
            reversed_minor=share.reversed_minor,
            currency=share.currency,
            state=CommissionState(share.state),
            product_id=sale.product_id,
            product_title=titles.get(sale.product_id) if sale.product_id else None,
            sale_minor=sale.amount_minor,
            created_at=share.created_at,
            matures_at=sale.matures_at,
            hold_id=holds[sale.id].id if sale.id in holds else None,
            hold_reasons=[HoldReason(r) for r in holds[sale.id].reasons]
            if sale.id in holds
            else [],
            hold_status=HoldStatus(holds[sale.id].status) if sale.id in holds else None,
            sale_kind=ConversionKind(sale.kind),
            subscription_id=sale.subscription_ref,
            renewal=sale.renewal,
            renewal_limit=sale.renewal_limit,
        )
        for share, sale in page
    ]
    return CommissionSharePage(items=items, next_cursor=next_cursor)


async def balances(session: AsyncSession, user: User, default_currency: str) -> list[Earnings]:
    """Pending, available and paid, per currency, from the user's ledger accounts (the
    program's currency always, at zero before the first sale)."""
    return (await balances_of(session, [user.id], default_currency))[user.id]


async def balances_of(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], default_currency: str
) -> dict[uuid.UUID, list[Earnings]]:
    """`balances` of each of these members, read together."""
    owned = [
        a
        for a in await ledger.accounts_owned_by(session, user_ids)
        if a.code.startswith("affiliate:")
    ]
    amounts = await ledger.balances(session, [a.id for a in owned])
    by_owner: dict[uuid.UUID, dict[str, dict[str, int]]] = {
        u: defaultdict(dict, {default_currency: {}}) for u in user_ids
    }
    for account in owned:
        _, owner, state, _ = account.code.split(":")
        by_owner[uuid.UUID(owner)][account.currency][state] = amounts.get(account.id, 0)
    return {
        user_id: [
            Earnings(
                currency=currency,
                pending_minor=states.get(Earning.pending, 0),
                held_minor=states.get(Earning.held, 0),
                available_minor=states.get(Earning.available, 0),
                in_payment_minor=states.get(Earning.payout, 0),
                paid_minor=states.get(Earning.paid, 0),
            )
            for currency, states in sorted(by_currency.items())
        ]
        for user_id, by_currency in by_owner.items()
    }
