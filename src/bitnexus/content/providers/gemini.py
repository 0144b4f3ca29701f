"""A writer behind Google's Gemini API (`google-genai`), used when `GEMINI_API_KEY` is set."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from google import genai
from google.genai import errors, types

from bitnexus.content.errors import (
    ProviderBadReply,
    ProviderError,
    ProviderRefusedKey,
    ProviderTimeout,
    ProviderUnavailable,
)
from bitnexus.content.providers.base import Brief, Draft
from bitnexus.content.providers.prompt import draft_from, messages

log = structlog.get_logger(__name__)


class GeminiProvider:
    name = "gemini"

    def __init__(
        self, *, api_key: str, model: str, timeout: float, base_url: str | None = None
    ) -> None:
        options = types.HttpOptions(base_url=base_url, timeout=int(timeout * 1000))
        self._client = genai.Client(api_key=api_key, http_options=options)
        self._model, self._timeout = model, timeout

    async def write(self, brief: Brief) -> Draft:
        system, user = messages(brief)
        config = types.GenerateContentConfig(
            system_instruction=system, temperature=0.8, response_mime_type="application/json"
        )
        try:
            async with asyncio.timeout(self._timeout):
                response: Any = await self._client.aio.models.generate_content(
                    model=self._model, contents=user, config=config
                )
        except TimeoutError as exc:
            raise ProviderTimeout("The content provider did not answer in time.") from exc
        except errors.ClientError as exc:
            if exc.code in (401, 403) or (exc.code == 400 and "API key" in str(exc.message)):
                raise ProviderRefusedKey("The content provider refused the server's key.") from exc
            if exc.code == 429:
                raise ProviderUnavailable("The content provider is busy; try again.") from exc
            raise ProviderError(f"The content provider answered {exc.code}.") from exc
        except errors.ServerError as exc:
            raise ProviderUnavailable("The content provider is unavailable; try again.") from exc
        except (errors.APIError, ValueError) as exc:
            raise ProviderBadReply("The content provider's reply was malformed.") from exc
        except Exception as exc:  # connection failures and the like, from the client library
            log.warning("content_provider_failed", provider=self.name, error=type(exc).__name__)
            raise ProviderUnavailable("The content provider cannot be reached.") from exc
        return draft_from(_text(response))


def _text(response: Any) -> Any:
    try:
        return response.text
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
