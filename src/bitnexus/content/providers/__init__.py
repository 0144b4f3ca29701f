"""Content providers behind one interface (`base.Provider`), chosen by the server settings."""

from __future__ import annotations

from bitnexus.content.providers.base import Brief, Draft, Facts, Provider
from bitnexus.content.providers.gemini import GeminiProvider
from bitnexus.content.providers.openai_compatible import OpenAICompatibleProvider
from bitnexus.content.providers.template import TemplateProvider
from bitnexus.core.config import Settings

__all__ = ["Brief", "Draft", "Facts", "Provider", "provider_from"]


def provider_from(settings: Settings) -> Provider:
    """The provider the settings name (keys are read here and kept inside the client only)."""
    writer = settings.content_writer
    if writer == "openai":
        key = settings.content_openai_api_key
        return OpenAICompatibleProvider(
            base_url=settings.content_openai_base_url,
            model=settings.content_openai_model,
            api_key=key.get_secret_value() if key else "",
            timeout=settings.content_timeout_seconds,
        )
    if writer == "gemini":
        if settings.gemini_api_key is None:
            raise ValueError("BITNEXUS_CONTENT_PROVIDER=gemini needs GEMINI_API_KEY")
        return GeminiProvider(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.content_gemini_model,
            timeout=settings.content_timeout_seconds,
            base_url=settings.content_gemini_base_url,
        )
    return TemplateProvider()
