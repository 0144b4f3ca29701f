"""A subscription as its vendor (or an admin) sees it: its first sale and every renewal."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.commissions import recurring_repository
from bitnexus.commissions.errors import SubscriptionNotFound
from bitnexus.commissions.schemas import SubscriptionRead
from bitnexus.commissions.service.conversions import reads


async def get(session: AsyncSession, user: User, ref: str) -> SubscriptionRead:
    """The vendor's subscription by their id for it (admins: any vendor's); 404 to anyone else."""
    if user.role not in (Role.vendor, Role.tenant_admin):
        raise SubscriptionNotFound()
    vendor = None if user.role == Role.tenant_admin else user.id
    found = await recurring_repository.subscription(session, vendor, ref)
    if found is None:
        raise SubscriptionNotFound()
    sales = await recurring_repository.sales_of(session, found)
    return SubscriptionRead(
        subscription_id=found.subscription_ref,
        affiliate_id=found.affiliate_id,
        product_id=found.product_id,
        started_at=found.started_at,
        renewals=found.renewals,
        renewals_earned=found.renewals_earned,
        sales=await reads(session, list(sales)),
    )
