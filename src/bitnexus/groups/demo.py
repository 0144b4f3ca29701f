"""The demo organisation's groups: "VIP partners" earn 30% and are paid from a lower threshold,
"Content creators" earn 15% on two courses; one affiliate is in each, moved by the admin."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from bitnexus.accounts.models import User
from bitnexus.catalog.models import Product
from bitnexus.core.db import Database, any_row, utcnow
from bitnexus.groups.models import AffiliateGroup, GroupMember, GroupMove
from bitnexus.tenants import service as tenants

# name, description, rate (bps), products (how many of the catalogue's, by title), threshold,
# and its member's address
GROUPS = [
    (
        "VIP partners",
        "Our best performers: a higher rate and payouts from a lower balance.",
        3_000,
        0,
        500,
        "affiliate1@acme.example",
    ),
    (
        "Content creators",
        "Course reviewers and tutorial channels.",
        1_500,
        2,
        None,
        "affiliate3@acme.example",
    ),
]


async def seed_demo(db: Database, slug: str, admin_email: str) -> None:
    """Two groups for `slug` with a member each, unless it has groups already."""
    async with db.sessionmaker() as session, session.begin():
        tenant = await tenants.enter_by_slug(session, slug)
        if await any_row(session, AffiliateGroup):
            return
        people = {
            u.email: u
            for u in (
                await session.execute(
                    select(User).where(User.email.in_([admin_email] + [g[-1] for g in GROUPS]))
                )
            ).scalars()
        }
        courses = list(
            (await session.execute(select(Product.id).order_by(Product.title).limit(2))).scalars()
        )
        now = utcnow()
        for name, description, bps, products, threshold, member in GROUPS:
            group = AffiliateGroup(
                tenant_id=tenant.id,
                id=uuid.uuid4(),
                name=name,
                description=description,
                commission_bps=bps,
                commission_fixed_minor=None,
                product_ids=courses[:products],
                payout_threshold_minor=threshold,
                created_at=now - dt.timedelta(days=3),
                updated_at=now - dt.timedelta(days=3),
            )
            session.add(group)
            await session.flush()
            who = people.get(member)
            if who is None:
                continue
            moved = now  # after the demo's sales, which keep the rates they were recorded at
            session.add(
                GroupMember(
                    tenant_id=tenant.id, affiliate_id=who.id, group_id=group.id, since=moved
                )
            )
            session.add(
                GroupMove(
                    id=uuid.uuid4(),
                    tenant_id=tenant.id,
                    affiliate_id=who.id,
                    group_id=group.id,
                    from_group_id=None,
                    note="Welcome aboard.",
                    moved_by_id=people[admin_email].id if admin_email in people else None,
                    moved_at=moved,
                )
            )
