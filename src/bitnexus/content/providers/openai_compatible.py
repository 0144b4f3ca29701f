"""A writer behind any OpenAI-compatible chat completions endpoint: the hosted API, or a local
server such as Ollama (`http://localhost:11434/v1`) or vLLM (`http://localhost:8000/v1`)."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import structlog

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


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float) -> None:
        # no retries: a failed generation answers at once, and the caller may simply try again
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=0
        )
        self._model, self._timeout = model, timeout

    async def write(self, brief: Brief) -> Draft:
        system, user = messages(brief)
        try:
            async with asyncio.timeout(self._timeout):
                completion: Any = await self._client.chat.completions.create(
                    model=self._model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    temperature=0.8,
                )
        except (TimeoutError, openai.APITimeoutError) as exc:
            raise ProviderTimeout("The content provider did not answer in time.") from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise ProviderRefusedKey("The content provider refused the server's key.") from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise ProviderBadReply("The content provider's reply was malformed.") from exc
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise ProviderUnavailable("The content provider is busy; try again.") from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable("The content provider cannot be reached.") from exc
        except openai.APIStatusError as exc:
            raise ProviderError(f"The content provider answered {exc.status_code}.") from exc
        except Exception as exc:  # any other failure of the client library: still the provider's
            log.warning("content_provider_failed", provider=self.name, error=type(exc).__name__)
            raise ProviderUnavailable("The content provider failed; try again.") from exc
        return draft_from(_content(completion))

    async def close(self) -> None:
        await self._client.close()


def _content(completion: Any) -> Any:
    """The first choice's message text; None for a reply without one."""
    try:
        return completion.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
