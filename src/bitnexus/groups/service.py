"""Group rules: an organisation's admins make groups with their own commission rule, products
and payout threshold, and move affiliates between them. A move applies to the affiliate's sales
recorded after it (each conversion records the rule and group it earned by), and every move is
kept. Other domains read a member's terms here: commissions at sale time, payouts for the
threshold, the directory for who is in which."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.errors import UserNotFound
from bitnexus.accounts.models import Role
from bitnexus.accounts.service import users
from bitnexus.accounts.service.sessions import Principal
from bitnexus.catalog import service as catalog
from bitnexus.catalog.commission import OwnTerms
from bitnexus.core.db import utcnow
from bitnexus.core.errors import FieldError
from bitnexus.core.outbox import NewEvent, emit, user_topic
from bitnexus.groups import repository
from bitnexus.groups.errors import (
    AlreadyInGroup,
    GroupHasMembers,
    GroupNameTaken,
    GroupNotFound,
    InvalidGroup,
)
from bitnexus.groups.models import AffiliateGroup, GroupMember, GroupMove
from bitnexus.groups.schemas import (
    GroupRead,
    GroupRef,
    GroupWrite,
    MoveCreate,
    MoveRead,
    MyGroup,
    ProductRef,
)


@dataclass(frozen=True)
class Terms:
    """A member's group as the other domains need it: its commission rule over its products
    (`rule`, which the catalog shows and attribution applies) and its payout threshold."""

    id: uuid.UUID
    name: str
    rule: OwnTerms
    payout_threshold_minor: int | None

    @classmethod
    def of(cls, group: AffiliateGroup) -> Terms:
        return cls(
            id=group.id,
            name=group.name,
            rule=OwnTerms(
                group=group.name,
                bps=group.commission_bps,
                fixed_minor=group.commission_fixed_minor,
                product_ids=frozenset(group.product_ids),
            ),
            payout_threshold_minor=group.payout_threshold_minor,
        )


# ---- what other domains read ----
async def terms_of(session: AsyncSession, affiliate_id: uuid.UUID) -> Terms | None:
    """The group an affiliate is in now, if any."""
    found = await repository.groups_of(session, [affiliate_id])
    return Terms.of(found[affiliate_id]) if affiliate_id in found else None


async def groups_of(
    session: AsyncSession, affiliate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Terms]:
    """The group each of these affiliates is in (those in none: absent)."""
    found = await repository.groups_of(session, affiliate_ids)
    return {a: Terms.of(g) for a, g in found.items()}


async def mine(session: AsyncSession, affiliate_id: uuid.UUID) -> MyGroup | None:
    """The terms of the group an affiliate is in, as they may read them."""
    found = await repository.groups_of(session, [affiliate_id])
    group = found.get(affiliate_id)
    if group is None:
        return None
    membership = await repository.membership(session, affiliate_id)
    [read] = await _read(session, [group])
    return MyGroup(
        **read.model_dump(exclude={"id", "members", "created_at", "updated_at"}),
        since=membership.since if membership else group.created_at,
    )


async def member_ids(session: AsyncSession, group_id: uuid.UUID) -> list[uuid.UUID]:
    return await repository.member_ids(session, group_id)


async def own_terms(session: AsyncSession, principal: Principal) -> OwnTerms | None:
    """For an affiliate in a group: the rule their sales earn by where it covers a product
    (None for everyone else), so the catalog shows, sorts and filters by their own rate."""
    if principal.role != Role.affiliate:
        return None
    terms = await terms_of(session, principal.user.id)
    return terms.rule if terms is not None else None


def ref(terms: Terms | None) -> GroupRef | None:
    return GroupRef(id=terms.id, name=terms.name) if terms else None


# ---- the admins' groups ----
async def _read(session: AsyncSession, groups: list[AffiliateGroup]) -> list[GroupRead]:
    counts = await repository.member_counts(session)
    titles = await catalog.titles(session, list({p for g in groups for p in g.product_ids}))
    return [
        GroupRead(
            id=g.id,
            name=g.name,
            description=g.description,
            commission_bps=g.commission_bps,
            commission_fixed_minor=g.commission_fixed_minor,
            products=[ProductRef(id=p, name=titles[p]) for p in g.product_ids if p in titles],
            payout_threshold_minor=g.payout_threshold_minor,
            members=counts.get(g.id, 0),
            created_at=g.created_at,
            updated_at=g.updated_at,
        )
        for g in groups
    ]


async def listed(session: AsyncSession) -> list[GroupRead]:
    """The organisation's groups, by name."""
    return await _read(session, await repository.live(session))


async def _group(session: AsyncSession, group_id: uuid.UUID) -> AffiliateGroup:
    group = await repository.get(session, group_id)
    if group is None:
        raise GroupNotFound()
    return group


async def get(session: AsyncSession, group_id: uuid.UUID) -> GroupRead:
    return (await _read(session, [await _group(session, group_id)]))[0]


async def _checked(
    session: AsyncSession, body: GroupWrite, group_id: uuid.UUID | None
) -> list[uuid.UUID]:
    """The body's products (each once, in order), after refusing what a group may not be:
    two rules at once, products not the organisation's, a name another group has."""
    errors = []
    if body.commission_bps is not None and body.commission_fixed_minor is not None:
        errors.append(
            FieldError("commission_fixed_minor", "Give a rate or a fixed amount, not both.")
        )
    products = list(dict.fromkeys(body.product_ids))
    known = await catalog.titles(session, products)
    unknown = [str(p) for p in products if p not in known]
    if unknown:
        errors.append(FieldError("product_ids", f"Not products here: {', '.join(unknown)}."))
    if errors:
        raise InvalidGroup(errors[0].detail, errors=errors)
    same = await repository.named(session, body.name)
    if same is not None and same.id != group_id:
        raise GroupNameTaken(errors=[FieldError("name", "Another group has this name.")])
    return products


def _apply(group: AffiliateGroup, body: GroupWrite, products: list[uuid.UUID]) -> None:
    group.name = body.name
    group.description = body.description
    group.commission_bps = body.commission_bps
    group.commission_fixed_minor = body.commission_fixed_minor
    group.product_ids = products
    group.payout_threshold_minor = body.payout_threshold_minor


async def create(session: AsyncSession, admin: Principal, body: GroupWrite) -> GroupRead:
    await repository.lock_groups(session, admin.tenant.id)
    products = await _checked(session, body, None)
    now = utcnow()
    group = AffiliateGroup(
        tenant_id=admin.tenant.id, id=uuid.uuid4(), created_at=now, updated_at=now
    )
    _apply(group, body, products)
    session.add(group)
    await session.flush()
    return (await _read(session, [group]))[0]


async def replace(
    session: AsyncSession, admin: Principal, group_id: uuid.UUID, body: GroupWrite
) -> GroupRead:
    """Change a group's terms: its members' sales recorded from now on earn by them."""
    await repository.lock_groups(session, admin.tenant.id)
    group = await _group(session, group_id)
    products = await _checked(session, body, group.id)
    _apply(group, body, products)
    group.updated_at = utcnow()
    await session.flush()
    return (await _read(session, [group]))[0]


async def archive(session: AsyncSession, admin: Principal, group_id: uuid.UUID) -> None:
    """Remove an empty group (it stays named in the moves that mention it)."""
    await repository.lock_groups(session, admin.tenant.id)
    group = await _group(session, group_id)
    if await repository.member_ids(session, group.id):
        raise GroupHasMembers("Move its members to another group (or none) first.")
    group.archived_at = utcnow()
    await session.flush()


# ---- moves ----
async def move(session: AsyncSession, admin: Principal, body: MoveCreate) -> MoveRead:
    """Put an affiliate in a group (or in none); their sales recorded from now on earn by it."""
    affiliate = await users.find_user(session, body.affiliate_id)
    if affiliate is None or affiliate.role != Role.affiliate:
        raise UserNotFound(errors=[FieldError("affiliate_id", "No such affiliate here.")])
    target = await _group(session, body.group_id) if body.group_id else None
    await repository.lock_affiliate(session, affiliate.id)
    current = await repository.membership(session, affiliate.id, lock=True)
    was = current.group_id if current else None
    if was == body.group_id:
        raise AlreadyInGroup(errors=[FieldError("group_id", "They are already there.")])
    now = utcnow()
    if target is None:
        await repository.leave(session, affiliate.id)
    elif current is None:
        session.add(
            GroupMember(
                tenant_id=admin.tenant.id, affiliate_id=affiliate.id, group_id=target.id, since=now
            )
        )
    else:
        current.group_id, current.since = target.id, now
    moved = GroupMove(
        id=uuid.uuid4(),
        tenant_id=admin.tenant.id,
        affiliate_id=affiliate.id,
        group_id=body.group_id,
        from_group_id=was,
        note=body.note,
        moved_by_id=admin.user.id,
        moved_at=now,
    )
    session.add(moved)
    await session.flush()
    told = (await _moves_read(session, [moved]))[0]
    await emit(session, _moved_event(admin, told, target))
    return told


def _moved_event(admin: Principal, told: MoveRead, target: AffiliateGroup | None) -> NewEvent:
    """`group.changed`, told to the affiliate with their new terms."""
    data = {
        **told.model_dump(
            mode="json",
            include={"affiliate_id", "group_id", "group_name", "from_group_id", "from_group_name"},
        ),
        "user_id": str(told.affiliate_id),
        "currency": admin.tenant.default_currency,
        "commission_bps": target.commission_bps if target else None,
        "commission_fixed_minor": target.commission_fixed_minor if target else None,
        "products": len(target.product_ids) if target else 0,
        "payout_threshold_minor": target.payout_threshold_minor if target else None,
    }
    return NewEvent(admin.tenant.id, "group.changed", data, [user_topic(told.affiliate_id)])


async def _moves_read(session: AsyncSession, rows: list[GroupMove]) -> list[MoveRead]:
    people = await users.names(
        session, {m.affiliate_id for m in rows} | {m.moved_by_id for m in rows if m.moved_by_id}
    )
    groups = await repository.names(
        session, list({g for m in rows for g in (m.group_id, m.from_group_id) if g})
    )
    return [
        MoveRead(
            id=m.id,
            affiliate_id=m.affiliate_id,
            affiliate_name=people.get(m.affiliate_id, ""),
            group_id=m.group_id,
            group_name=groups.get(m.group_id) if m.group_id else None,
            from_group_id=m.from_group_id,
            from_group_name=groups.get(m.from_group_id) if m.from_group_id else None,
            note=m.note,
            moved_at=m.moved_at,
            moved_by_name=people.get(m.moved_by_id) if m.moved_by_id else None,
        )
        for m in rows
    ]


async def moves(
    session: AsyncSession, affiliate_id: uuid.UUID | None, limit: int
) -> list[MoveRead]:
    """Moves between groups, newest first: one affiliate's, or everyone's."""
    return await _moves_read(session, await repository.moves(session, affiliate_id, limit))
