"""Dependencies of the content routes: the configured provider, made once per process."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bitnexus.content.providers import Provider, provider_from


async def get_provider(request: Request) -> Provider:
    state = request.app.state
    provider: Provider | None = getattr(state, "content_provider", None)
    if provider is None:
        provider = state.content_provider = provider_from(state.settings)
    return provider


ProviderDep = Annotated[Provider, Depends(get_provider)]
