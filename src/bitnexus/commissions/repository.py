"""Every query on coupons, conversions, commissions and refunds (RLS scopes them to the
transaction's tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    String,
    Table,
    Uuid,
    and_,
    any_,
    bindparam,
    delete,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import User
from bitnexus.catalog.models import Product
from bitnexus.commissions.models import (
    Commission,
    Conversion,
    Coupon,
    MemberAddress,
    Refund,
    Tier,
    TierChange,
)
from bitnexus.core.bulk import BulkInsert
from bitnexus.core.schemas import Cursor
from bitnexus.tracking.models import Click


@dataclass(frozen=True)
class Upline:
    id: uuid.UUID
    level: int
    payable: bool  # an active affiliate (others' levels are skipped)


# Built once with array parameters: a batch's lookups cost one cached statement, not one bound
# parameter per row to build and compile.
_CLICKS = select(Click).where(Click.id == any_(bindparam("ids", type_=ARRAY(Uuid))))


async def clicks(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Click]:
    found = await session.execute(_CLICKS, {"ids": list(ids)})
    return {c.id: c for c in found.scalars()}


async def first_click(
    session: AsyncSession, visitor_hash: bytes, product_id: uuid.UUID, since: dt.datetime
) -> Click | None:
    """The visitor's earliest click through any link to the product since `since`."""
    stmt = (
        select(Click)
        .where(
            Click.visitor_hash == visitor_hash,
            Click.product_id == product_id,
            Click.created_at >= since,
        )
        .order_by(Click.created_at, Click.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def coupon(session: AsyncSession, code: str) -> Coupon | None:
    found = await session.execute(
        select(Coupon).where(Coupon.code == code, Coupon.revoked_at.is_(None))
    )
    return found.scalar_one_or_none()


async def coupon_by_id(session: AsyncSession, coupon_id: uuid.UUID) -> Coupon | None:
    return await session.get(Coupon, coupon_id, with_for_update=True)


async def coupon_code_taken(session: AsyncSession, code: str) -> bool:
    found = await session.execute(select(Coupon.id).where(Coupon.code == code))
    return found.first() is not None


async def coupons(
    session: AsyncSession, *, vendor_id: uuid.UUID | None, affiliate_id: uuid.UUID | None
) -> Sequence[tuple[Coupon, str, str]]:
    """Coupons with their affiliate's name and product's title, newest first."""
    stmt = (
        select(Coupon, User.name, Product.title)
        .join(User, (User.tenant_id == Coupon.tenant_id) & (User.id == Coupon.affiliate_id))
        .join(Product, (Product.tenant_id == Coupon.tenant_id) & (Product.id == Coupon.product_id))
        .order_by(Coupon.created_at.desc(), Coupon.id)
    )
    if vendor_id is not None:
        stmt = stmt.where(Product.vendor_id == vendor_id)
    if affiliate_id is not None:
        stmt = stmt.where(Coupon.affiliate_id == affiliate_id)
    return [(c, name, title) for c, name, title in (await session.execute(stmt)).all()]


async def uplines(session: AsyncSession, affiliate_id: uuid.UUID, levels: int) -> list[Upline]:
    """The affiliate's referrer (level 1), theirs (level 2)… up to `levels`."""
    if levels == 0:
        return []
    rows = await session.execute(
        text(
            """
            WITH RECURSIVE chain(id, referred_by_id, role, status, level) AS (
                SELECT id, referred_by_id, role, status, 0 FROM users WHERE id = :affiliate
                UNION ALL
                SELECT u.id, u.referred_by_id, u.role, u.status, c.level + 1
                FROM users u JOIN chain c ON u.id = c.referred_by_id
                WHERE c.level < :levels
            )
            SELECT id, level, role = 'affiliate' AND status = 'active' AS payable
            FROM chain WHERE level > 0 ORDER BY level
            """
        ),
        {"affiliate": affiliate_id, "levels": levels},
    )
    return [Upline(r.id, r.level, r.payable) for r in rows]


_INSERT_CONVERSIONS = BulkInsert(
    cast(Table, Conversion.__table__),
    "ON CONFLICT (tenant_id, vendor_id, order_id) DO NOTHING RETURNING id",
)
_INSERT_SHARES = BulkInsert(cast(Table, Commission.__table__))


async def insert_conversions(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> set[uuid.UUID]:
    """Insert the conversions in one statement, each unless its vendor already reported its
    order (then wait for that one to commit and insert nothing); the ids inserted."""
    return {row["id"] for row in await _INSERT_CONVERSIONS.run(session, rows)}


async def insert_shares(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert commission shares in one statement."""
    await _INSERT_SHARES.run(session, rows)


async def any_conversion(session: AsyncSession) -> bool:
    return (await session.execute(select(Conversion.id).limit(1))).first() is not None


# The (vendor, order id) pairs as rows, each looked up in the unique index
# (tenant_id, vendor_id, order_id): only the orders asked for, however many the vendor has.
_ORDERS = (
    func.unnest(bindparam("vendors", type_=ARRAY(Uuid)), bindparam("orders", type_=ARRAY(String)))
    .table_valued("vendor_id", "order_id")
    .render_derived(name="orders")
)
_BY_ORDERS = select(Conversion).join(
    _ORDERS,
    and_(Conversion.vendor_id == _ORDERS.c.vendor_id, Conversion.order_id == _ORDERS.c.order_id),
)


async def conversions_by_order(
    session: AsyncSession, orders: set[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], Conversion]:
    """The conversions recorded for these (vendor, order id) pairs."""
    if not orders:
        return {}
    pairs = sorted(orders)
    found = await session.execute(
        _BY_ORDERS, {"vendors": [v for v, _ in pairs], "orders": [o for _, o in pairs]}
    )
    return {(c.vendor_id, c.order_id): c for c in found.scalars()}


async def conversion(
    session: AsyncSession, conversion_id: uuid.UUID, *, lock: bool = False
) -> Conversion | None:
    return await session.get(
        Conversion, conversion_id, with_for_update=lock, populate_existing=lock
    )


async def conversions(
    session: AsyncSession,
    *,
    vendor_id: uuid.UUID | None,
    after: Cursor | None,
    limit: int,
) -> Sequence[Conversion]:
    stmt = select(Conversion).order_by(Conversion.created_at.desc(), Conversion.id.desc())
    if vendor_id is not None:
        stmt = stmt.where(Conversion.vendor_id == vendor_id)
    if after is not None:
        stmt = stmt.where(
            tuple_(Conversion.created_at, Conversion.id) < (after.created_at, after.id)
        )
    return (await session.execute(stmt.limit(limit))).scalars().all()


async def shares_of(
    session: AsyncSession, conversion_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Commission]]:
    rows = await session.execute(
        select(Commission)
        .where(Commission.conversion_id.in_(conversion_ids))
        .order_by(Commission.kind, Commission.level)
    )
    out: dict[uuid.UUID, list[Commission]] = {i: [] for i in conversion_ids}
    for share in rows.scalars():
        out[share.conversion_id].append(share)
    return out


async def titles(session: AsyncSession, product_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Product.id, Product.title).where(Product.id.in_(product_ids))
    )
    return {r.id: r.title for r in rows}


async def commissions_of(
    session: AsyncSession,
    *,
    beneficiary_id: uuid.UUID | None,
    state: str | None,
    after: Cursor | None,
    limit: int,
) -> Sequence[tuple[Commission, Conversion]]:
    stmt = (
        select(Commission, Conversion)
        .join(
            Conversion,
            (Conversion.tenant_id == Commission.tenant_id)
            & (Conversion.id == Commission.conversion_id),
        )
        .where(Commission.kind != "platform_fee")
        .order_by(Commission.created_at.desc(), Commission.id.desc())
    )
    if beneficiary_id is not None:
        stmt = stmt.where(Commission.beneficiary_id == beneficiary_id)
    if state is not None:
        stmt = stmt.where(Commission.state == state)
    if after is not None:
        stmt = stmt.where(
            tuple_(Commission.created_at, Commission.id) < (after.created_at, after.id)
        )
    return [(c, v) for c, v in (await session.execute(stmt.limit(limit))).all()]


async def refund_by_ref(
    session: AsyncSession, conversion_id: uuid.UUID, refund_ref: str
) -> Refund | None:
    found = await session.execute(
        select(Refund).where(Refund.conversion_id == conversion_id, Refund.refund_ref == refund_ref)
    )
    return found.scalar_one_or_none()


async def due(session: AsyncSession, now: dt.datetime, limit: int) -> Sequence[Conversion]:
    """Conversions whose refund hold has ended, locked; ones another worker holds are skipped."""
    stmt = (
        select(Conversion)
        .where(Conversion.state == "pending", Conversion.matures_at <= now)
        .order_by(Conversion.matures_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def landing_pages(session: AsyncSession, vendor_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(Product.landing_url).where(Product.vendor_id == vendor_id).distinct()
    )
    return list(rows.scalars())


async def tenants_due(session: AsyncSession, now: dt.datetime) -> list[uuid.UUID]:
    rows = await session.execute(text("SELECT bitnexus_commissions_due(:now)"), {"now": now})
    return [r[0] for r in rows]


async def remember_address(
    session: AsyncSession, address: MemberAddress, *, forget_before: dt.date
) -> None:
    await session.execute(
        delete(MemberAddress).where(
            MemberAddress.user_id == address.user_id, MemberAddress.day < forget_before
        )
    )
    await session.execute(
        insert(MemberAddress)
        .values(
            tenant_id=address.tenant_id,
            user_id=address.user_id,
            day=address.day,
            ip_hash=address.ip_hash,
        )
        .on_conflict_do_nothing()
    )


async def signed_in_from(
    session: AsyncSession, seen: set[tuple[uuid.UUID, bytes, dt.date]]
) -> set[tuple[uuid.UUID, bytes, dt.date]]:
    """Which of the (member, hashed address, day) sign-ins happened."""
    if not seen:
        return set()
    found = await session.execute(
        select(MemberAddress.user_id, MemberAddress.ip_hash, MemberAddress.day).where(
            tuple_(MemberAddress.user_id, MemberAddress.ip_hash, MemberAddress.day).in_(seen)
        )
    )
    return {(r.user_id, r.ip_hash, r.day) for r in found}


async def sales_from_addresses(
    session: AsyncSession, ip_hashes: set[bytes], since: dt.datetime
) -> dict[bytes, int]:
    """How many sales came from each hashed address since `since`."""
    found = await session.execute(
        select(Conversion.ip_hash, func.count())
        .where(Conversion.ip_hash.in_(ip_hashes), Conversion.created_at >= since)
        .group_by(Conversion.ip_hash)
    )
    return {ip_hash: count for ip_hash, count in found.all() if ip_hash is not None}


async def has_click(
    session: AsyncSession, affiliate_id: uuid.UUID, product_id: uuid.UUID, since: dt.datetime
) -> bool:
    found = await session.execute(
        select(Click.id)
        .where(
            Click.affiliate_id == affiliate_id,
            Click.product_id == product_id,
            Click.created_at >= since,
            Click.is_bot.is_(False),
        )
        .limit(1)
    )
    return found.first() is not None


async def approved_earnings(
    session: AsyncSession, user_id: uuid.UUID, currency: str, since: dt.datetime
) -> int:
    """A member's shares that matured since `since`, net of refunds (rejected ones never
    matured)."""
    found = await session.execute(
        select(func.coalesce(func.sum(Commission.amount_minor - Commission.reversed_minor), 0))
        .join(
            Conversion,
            (Conversion.tenant_id == Commission.tenant_id)
            & (Conversion.id == Commission.conversion_id),
        )
        .where(
            Commission.beneficiary_id == user_id,
            Commission.currency == currency,
            Commission.state.in_(("available", "reversed")),
            Conversion.matured_at >= since,
        )
    )
    return int(found.scalar_one())


async def latest_tier(session: AsyncSession, user_id: uuid.UUID) -> TierChange | None:
    found = await session.execute(
        select(TierChange)
        .where(TierChange.user_id == user_id)
        .order_by(TierChange.created_at.desc(), TierChange.id.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def latest_tiers(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The latest recorded tier of each of these members that has one."""
    rows = await session.execute(
        select(TierChange.user_id, TierChange.tier)
        .ext(distinct_on(TierChange.user_id))
        .where(TierChange.user_id.in_(user_ids))
        .order_by(TierChange.user_id, TierChange.created_at.desc(), TierChange.id.desc())
    )
    return {row[0]: row[1] for row in rows}


async def above_bronze(session: AsyncSession) -> list[tuple[uuid.UUID, Tier]]:
    """Every affiliate whose latest recorded tier is above Bronze, with that tier."""
    latest = (
        select(TierChange.user_id, TierChange.tier)
        .ext(distinct_on(TierChange.user_id))
        .order_by(TierChange.user_id, TierChange.created_at.desc(), TierChange.id.desc())
        .subquery()
    )
    rows = await session.execute(
        select(latest.c.user_id, latest.c.tier).where(latest.c.tier != Tier.bronze)
    )
    return [(r.user_id, Tier(r.tier)) for r in rows]


async def tenants_to_review(session: AsyncSession) -> list[uuid.UUID]:
    """The tenants with an affiliate above Bronze (across tenants: a platform function)."""
    rows = await session.execute(text("SELECT bitnexus_tier_reviews()"))
    return [r[0] for r in rows]


async def lock_tier_review(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """One review of a tenant's tiers at a time (held until the transaction ends)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('tiers:' || :t, 0))"),
        {"t": str(tenant_id)},
    )


async def tier_history(session: AsyncSession, user_id: uuid.UUID) -> Sequence[TierChange]:
    found = await session.execute(
        select(TierChange)
        .where(TierChange.user_id == user_id)
        .order_by(TierChange.created_at.desc(), TierChange.id.desc())
    )
    return found.scalars().all()


async def conversions_by_product(
    session: AsyncSession, affiliate_id: uuid.UUID
) -> dict[uuid.UUID, int]:
    """How many sales an affiliate brought per product (refunded and rejected ones left out)."""
    rows = await session.execute(
        select(Conversion.product_id, func.count())
        .where(
            Conversion.affiliate_id == affiliate_id,
            Conversion.product_id.is_not(None),
            Conversion.state.in_(("pending", "held", "matured")),
        )
        .group_by(Conversion.product_id)
    )
    return {r[0]: int(r[1]) for r in rows if r[0] is not None}
