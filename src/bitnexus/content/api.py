"""Marketing content routes: generate a post, the history, the credits left, the options."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from bitnexus.auth import CurrentPrincipal
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.content import service
from bitnexus.content.deps import ProviderDep
from bitnexus.content.errors import (
    CreditsExhausted,
    PostDoesNotFit,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from bitnexus.content.schemas import (
    ContentOptions,
    CreditsRead,
    GenerationCreate,
    GenerationPage,
    GenerationRead,
)
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, errors_for

router = APIRouter(prefix="/content", tags=["content"])


@router.post(
    "/generations",
    status_code=201,
    responses=errors_for(
        Forbidden,
        ProductNotFound,
        PostDoesNotFit,
        InvalidInput,
        CreditsExhausted,
        ProviderError,
        ProviderUnavailable,
        ProviderTimeout,
    ),
)
async def create_generation(
    body: GenerationCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    provider: ProviderDep,
) -> GenerationRead:
    """Write a post for a product on a platform, with your short link (one credit)."""
    return await service.generate(
        session, principal, body, provider=provider, base_url=settings.base_url
    )


@router.get("/generations", responses=errors_for(BadRequest, Forbidden))
async def list_generations(
    principal: CurrentPrincipal,
    session: SessionDep,
    product_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> GenerationPage:
    """Your generated posts, newest first (organisation admins: everyone's)."""
    return await service.history(
        session, principal, product_id=product_id, cursor=cursor, limit=limit
    )


@router.get("/credits")
async def get_credits(principal: CurrentPrincipal, session: SessionDep) -> CreditsRead:
    """The organisation's content credits this month."""
    return await service.credits(session, principal)


@router.get("/options")
async def get_content_options(principal: CurrentPrincipal, provider: ProviderDep) -> ContentOptions:
    """Platforms and their limits, tones, lengths, the provider and the disclosure."""
    return service.options(principal, provider)
