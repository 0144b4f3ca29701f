"""Coupon codes: a vendor (or an admin) assigns a code their shop accepts to an affiliate for
one product; a sale reported with that code is the affiliate's, click or no click."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.accounts.service import users
from bitnexus.catalog import service as catalog
from bitnexus.commissions import repository
from bitnexus.commissions.errors import CouponNotFound, CouponTaken
from bitnexus.commissions.models import Coupon
from bitnexus.commissions.schemas import CouponCreate, CouponRead
from bitnexus.core.db import utcnow
from bitnexus.core.errors import FieldError, Forbidden, InvalidInput


def _read(coupon: Coupon, affiliate_name: str, product_title: str) -> CouponRead:
    return CouponRead(
        id=coupon.id,
        code=coupon.code,
        affiliate_id=coupon.affiliate_id,
        affiliate_name=affiliate_name,
        product_id=coupon.product_id,
        product_title=product_title,
        created_at=coupon.created_at,
        revoked_at=coupon.revoked_at,
    )


async def create(session: AsyncSession, user: User, body: CouponCreate) -> CouponRead:
    if user.role not in (Role.vendor, Role.tenant_admin):
        raise Forbidden("Only vendors and admins assign coupons.")
    product = await catalog.find_product(session, body.product_id)
    if product is None or (user.role == Role.vendor and product.vendor_id != user.id):
        raise InvalidInput("product_id", "Not one of your products.")
    affiliate = await users.user_by_referral_code(session, body.affiliate_code)
    if affiliate is None or affiliate.role != Role.affiliate:
        raise InvalidInput("affiliate_code", "No affiliate has this referral code.")
    if await repository.coupon_code_taken(session, body.code):
        raise CouponTaken(
            f"The code {body.code} is taken in this program.",
            errors=[FieldError("code", "Taken in this program.")],
        )
    coupon = Coupon(
        id=uuid.uuid4(),
        tenant_id=product.tenant_id,
        code=body.code,
        affiliate_id=affiliate.id,
        product_id=product.id,
        created_at=utcnow(),
    )
    session.add(coupon)
    await session.flush()
    return _read(coupon, affiliate.name, product.title)


async def listed(session: AsyncSession, user: User) -> list[CouponRead]:
    """A vendor's products' coupons, an affiliate's own, or (admins) all."""
    rows = await repository.coupons(
        session,
        vendor_id=user.id if user.role == Role.vendor else None,
        affiliate_id=user.id if user.role == Role.affiliate else None,
    )
    return [_read(c, name, title) for c, name, title in rows]


async def revoke(session: AsyncSession, user: User, coupon_id: uuid.UUID) -> None:
    coupon = await repository.coupon_by_id(session, coupon_id)
    product = None if coupon is None else await catalog.find_product(session, coupon.product_id)
    allowed = user.role == Role.tenant_admin or (
        user.role == Role.vendor and product is not None and product.vendor_id == user.id
    )
    if coupon is None or not allowed:
        raise CouponNotFound()
    if coupon.revoked_at is None:
        coupon.revoked_at = utcnow()
