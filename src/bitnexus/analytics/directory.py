"""The affiliate directory: an organisation's affiliates as people, for its admins. Each is listed
with their range's traffic and sales (the dashboards' figures), their balances from the ledger,
their recorded tier, their referral network and their fraud history; one affiliate's profile adds
their days, tier history, referrals, holds, payouts and latest commissions.

Every figure comes from the domain that owns it (accounts, commissions, payouts, the ledger),
read for a whole page at once, so a page of 50 costs the same few queries as a page of one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.errors import UserNotFound
from bitnexus.accounts.models import Role, User, UserStatus
from bitnexus.accounts.service import users
from bitnexus.analytics import repository
from bitnexus.analytics.repository import Clicks, Sales, Window
from bitnexus.analytics.schemas import (
    AffiliateDirectory,
    AffiliateProfile,
    AffiliateSummary,
    HoldCounts,
    Member,
)
from bitnexus.analytics.service import days_of, open_board, traffic
from bitnexus.commissions.models import Tier
from bitnexus.commissions.schemas import Earnings
from bitnexus.commissions.service import earnings, fraud, tiers
from bitnexus.core.errors import Forbidden
from bitnexus.groups import service as groups
from bitnexus.payouts.service import batches
from bitnexus.tenants.models import Tenant

RECENT = 20  # commissions and holds a profile shows (the full lists link onwards)


def _admin(user: User) -> None:
    if user.role != Role.tenant_admin:
        raise Forbidden("The affiliate directory is for the organisation's admins.")


def _member(user: User) -> Member:
    return Member(
        id=user.id, name=user.name, status=UserStatus(user.status), joined_at=user.created_at
    )


def _balance(held: list[Earnings], currency: str) -> Earnings:
    found = [b for b in held if b.currency == currency]
    return (
        found[0]
        if found
        else Earnings(
            currency=currency,
            pending_minor=0,
            held_minor=0,
            available_minor=0,
            in_payment_minor=0,
            paid_minor=0,
        )
    )


async def _summaries(
    session: AsyncSession,
    people: list[User],
    window: Window,
    currency: str,
    default_currency: str,
) -> list[AffiliateSummary]:
    """The directory's row for each of these affiliates, each figure read once for all."""
    ids = [p.id for p in people]
    one = ids[0] if len(ids) == 1 else None  # a profile reads one affiliate's rows only
    clicks = (await repository.clicks(session, window, ["affiliate"], affiliate_id=one))[
        "affiliate"
    ]
    sales = (
        await repository.sales(session, window, ["affiliate"], currency=currency, affiliate_id=one)
    )["affiliate"]
    earned = (
        await repository.earnings(
            session, window, ["affiliate"], currency=currency, beneficiary_id=one
        )
    )["affiliate"]
    balances = await earnings.balances_of(session, ids, default_currency)
    tier_of = await tiers.recorded_of(session, ids)
    group_of = await groups.groups_of(session, ids)
    holds = await fraud.hold_counts(session, ids)
    referrals = await users.referral_counts(session, ids)
    uplines = await users.users_by_ids(
        session, list({p.referred_by_id for p in people if p.referred_by_id})
    )
    out = []
    for person in people:
        sold = sales.get(person.id, Sales())
        upline = uplines.get(person.referred_by_id) if person.referred_by_id else None
        counted = holds.get(person.id, {})
        out.append(
            AffiliateSummary(
                id=person.id,
                name=person.name,
                email=person.email,
                status=UserStatus(person.status),
                joined_at=person.created_at,
                referral_code=person.referral_code,
                tier=tier_of.get(person.id, Tier.bronze),
                group=groups.ref(group_of.get(person.id)),
                referred_by=_member(upline) if upline else None,
                referrals=referrals.get(person.id, 0),
                sales_minor=sold.amount,
                balances=_balance(balances[person.id], currency),
                holds=HoldCounts(
                    open=counted.get("open", 0),
                    approved=counted.get("approved", 0),
                    rejected=counted.get("rejected", 0),
                ),
                **traffic(
                    clicks.get(person.id, Clicks()),
                    sold.count,
                    earned[person.id].shares if person.id in earned else 0,
                ).model_dump(),
            )
        )
    return out


@dataclass(frozen=True)
class Filter:
    """What the directory (and its export) shows: the range and currency of its figures, and
    which affiliates (name or email containing `query`, in `status`, members of `group_id`)."""

    start: dt.date | None = None
    end: dt.date | None = None
    currency: str | None = None
    query: str | None = None
    status: UserStatus | None = None
    group_id: uuid.UUID | None = None


async def directory(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    shown: Filter,
    *,
    cursor: str | None,
    limit: int,
) -> AffiliateDirectory:
    """The organisation's affiliates, oldest first, filtered by name or email and status."""
    _admin(user)
    board = await open_board(
        session, user, tenant, Role.tenant_admin, shown.start, shown.end, shown.currency
    )
    members = None if shown.group_id is None else await groups.member_ids(session, shown.group_id)
    people, next_cursor = await users.list_affiliates(
        session, cursor, limit, shown.query, shown.status, members
    )
    items = (
        await _summaries(session, people, board.window, board.currency, tenant.default_currency)
        if people
        else []
    )
    return AffiliateDirectory(
        range=board.span, currency=board.currency, items=items, next_cursor=next_cursor
    )


async def profile(
    session: AsyncSession,
    user: User,
    tenant: Tenant,
    affiliate_id: uuid.UUID,
    *,
    start: dt.date | None,
    end: dt.date | None,
    currency: str | None,
) -> AffiliateProfile:
    """One affiliate of the organisation in full (another organisation's: not found)."""
    _admin(user)
    person = await users.find_user(session, affiliate_id)
    if person is None or person.role != Role.affiliate:
        raise UserNotFound()
    board = await open_board(session, user, tenant, Role.tenant_admin, start, end, currency)
    window, cur = board.window, board.currency
    [summary] = await _summaries(session, [person], window, cur, tenant.default_currency)
    clicks = await repository.clicks(session, window, ["day"], affiliate_id=person.id)
    sales = await repository.sales(session, window, ["day"], currency=cur, affiliate_id=person.id)
    earned = await repository.earnings(
        session, window, ["day"], currency=cur, beneficiary_id=person.id
    )
    shares = {day: e.shares for day, e in earned["day"].items()}
    return AffiliateProfile(
        range=board.span,
        currency=cur,
        summary=summary,
        days=days_of(board.span, clicks["day"], sales["day"], shares),
        balances=(await earnings.balances_of(session, [person.id], tenant.default_currency))[
            person.id
        ],
        tier=await tiers.of(session, person, tenant),
        referrals=[_member(r) for r in await users.referrals_of(session, person.id)],
        holds=(
            await fraud.listed(
                session, user, status=None, cursor=None, limit=RECENT, affiliate_id=person.id
            )
        ).items,
        payouts=await batches.of_affiliate(session, person.id),
        commissions=(
            await earnings.commissions(
                session, user, state=None, cursor=None, limit=RECENT, beneficiary_id=person.id
            )
        ).items,
    )
