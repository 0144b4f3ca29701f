"""Every query of the groups tables."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence

from sqlalchemy import ARRAY, Uuid, any_, bindparam, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.prepared import Prepared, columns_of, untracked
from bitnexus.groups.models import AffiliateGroup, GroupMember, GroupMove


async def lock_groups(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """One change of an organisation's groups at a time (until the transaction ends): a name is
    checked free before it is taken, and a group checked empty before it is archived."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('groups:' || :t, 0))"),
        {"t": str(tenant_id)},
    )


async def live(session: AsyncSession) -> list[AffiliateGroup]:
    stmt = (
        select(AffiliateGroup)
        .where(AffiliateGroup.archived_at.is_(None))
        .order_by(func.lower(AffiliateGroup.name), AffiliateGroup.id)
    )
    return list((await session.execute(stmt)).scalars())


async def get(session: AsyncSession, group_id: uuid.UUID) -> AffiliateGroup | None:
    """A live group (archived ones are gone for every purpose but the moves' history)."""
    stmt = select(AffiliateGroup).where(
        AffiliateGroup.id == group_id, AffiliateGroup.archived_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def named(session: AsyncSession, name: str) -> AffiliateGroup | None:
    stmt = select(AffiliateGroup).where(
        func.lower(AffiliateGroup.name) == name.lower(), AffiliateGroup.archived_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of these groups, archived ones too."""
    if not ids:
        return {}
    stmt = select(AffiliateGroup.id, AffiliateGroup.name).where(AffiliateGroup.id.in_(ids))
    return {row.id: row.name for row in await session.execute(stmt)}


async def member_counts(session: AsyncSession) -> dict[uuid.UUID, int]:
    stmt = select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
    return {group: n for group, n in (await session.execute(stmt)).all()}


async def membership(
    session: AsyncSession, affiliate_id: uuid.UUID, *, lock: bool = False
) -> GroupMember | None:
    stmt = select(GroupMember).where(GroupMember.affiliate_id == affiliate_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_affiliate(session: AsyncSession, affiliate_id: uuid.UUID) -> None:
    """One move of an affiliate at a time, so each move names the group they left."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('group-move:' || :a, 0))"),
        {"a": str(affiliate_id)},
    )


async def leave(session: AsyncSession, affiliate_id: uuid.UUID) -> None:
    await session.execute(delete(GroupMember).where(GroupMember.affiliate_id == affiliate_id))


async def groups_of(
    session: AsyncSession, affiliate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AffiliateGroup]:
    """The group each of these affiliates is in (those in none: absent), as objects no session
    tracks: read by one prepared statement, for they are read far more often than changed
    (every marketplace read and every sale reads its affiliate's)."""
    if not affiliate_ids:
        return {}
    rows = await _groups_of().fetch(session, {"ids": list(affiliate_ids)})
    return {r[0]: untracked(AffiliateGroup, r, 1) for r in rows}


@functools.cache
def _groups_of() -> Prepared:
    ids = bindparam("ids", type_=ARRAY(Uuid))
    return Prepared(
        select(GroupMember.affiliate_id, *columns_of(AffiliateGroup))
        .join(
            AffiliateGroup,
            (AffiliateGroup.tenant_id == GroupMember.tenant_id)
            & (AffiliateGroup.id == GroupMember.group_id),
        )
        .where(GroupMember.affiliate_id == any_(ids))
    )


async def member_ids(session: AsyncSession, group_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(GroupMember.affiliate_id).where(GroupMember.group_id == group_id)
    return list((await session.execute(stmt)).scalars())


async def moves(
    session: AsyncSession, affiliate_id: uuid.UUID | None, limit: int
) -> list[GroupMove]:
    stmt = select(GroupMove).order_by(GroupMove.moved_at.desc(), GroupMove.id.desc()).limit(limit)
    if affiliate_id is not None:
        stmt = stmt.where(GroupMove.affiliate_id == affiliate_id)
    return list((await session.execute(stmt)).scalars())
