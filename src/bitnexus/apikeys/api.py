"""API-key routes: create (the secret is shown once), list, revoke."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from bitnexus.apikeys import service
from bitnexus.apikeys.errors import ApiKeyNotFound
from bitnexus.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from bitnexus.auth import CurrentPrincipal
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Forbidden, errors_for

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post("", status_code=201, responses=errors_for(Forbidden))
async def create_api_key(
    body: ApiKeyCreate, principal: CurrentPrincipal, session: SessionDep
) -> ApiKeyCreated:
    """Create a key. Its secret is in this response only; store it now."""
    return await service.create(session, principal, body)


@router.get("")
async def list_api_keys(principal: CurrentPrincipal, session: SessionDep) -> list[ApiKeyRead]:
    """Your keys (tenant admins: every key of the organisation), newest first."""
    return await service.listed(session, principal)


@router.delete("/{key_id}", responses=errors_for(ApiKeyNotFound))
async def revoke_api_key(
    key_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ApiKeyRead:
    """Revoke a key at once; revoking twice is harmless."""
    return await service.revoke(session, principal, key_id)
