"""Group routes, for the organisation's admins: groups and their terms, and moves of
affiliates between them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from bitnexus.accounts.errors import UserNotFound
from bitnexus.auth import TenantAdmin
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Forbidden, errors_for
from bitnexus.groups import service
from bitnexus.groups.errors import (
    AlreadyInGroup,
    GroupHasMembers,
    GroupNameTaken,
    GroupNotFound,
    InvalidGroup,
)
from bitnexus.groups.schemas import GroupRead, GroupWrite, MoveCreate, MoveRead

router = APIRouter(prefix="/groups", tags=["groups"])


@router.get("", responses=errors_for(Forbidden))
async def list_groups(admin: TenantAdmin, session: SessionDep) -> list[GroupRead]:
    """The organisation's affiliate groups, by name, with how many are in each."""
    return await service.listed(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(Forbidden, GroupNameTaken, InvalidGroup),
)
async def create_group(admin: TenantAdmin, body: GroupWrite, session: SessionDep) -> GroupRead:
    """Make a group with its own commission rule, products and payout threshold."""
    return await service.create(session, admin, body)


@router.get("/moves", responses=errors_for(Forbidden))
async def list_moves(
    admin: TenantAdmin,
    session: SessionDep,
    affiliate_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MoveRead]:
    """Moves between groups, newest first: one affiliate's, or everyone's."""
    return await service.moves(session, affiliate_id, limit)


@router.post(
    "/moves",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(Forbidden, UserNotFound, GroupNotFound, AlreadyInGroup),
)
async def move_affiliate(admin: TenantAdmin, body: MoveCreate, session: SessionDep) -> MoveRead:
    """Put an affiliate in a group, or in none: their sales recorded from now on earn by it;
    commissions already recorded keep their rule."""
    return await service.move(session, admin, body)


@router.get("/{group_id:uuid}", responses=errors_for(Forbidden, GroupNotFound))
async def get_group(admin: TenantAdmin, group_id: uuid.UUID, session: SessionDep) -> GroupRead:
    return await service.get(session, group_id)


@router.put(
    "/{group_id:uuid}",
    responses=errors_for(Forbidden, GroupNotFound, GroupNameTaken, InvalidGroup),
)
async def replace_group(
    admin: TenantAdmin, group_id: uuid.UUID, body: GroupWrite, session: SessionDep
) -> GroupRead:
    """Change a group's terms (whole): its members' sales recorded from now on earn by them."""
    return await service.replace(session, admin, group_id, body)


@router.delete(
    "/{group_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors_for(Forbidden, GroupNotFound, GroupHasMembers),
)
async def remove_group(admin: TenantAdmin, group_id: uuid.UUID, session: SessionDep) -> None:
    """Remove an empty group (moves that name it keep its name)."""
    await service.archive(session, admin, group_id)
