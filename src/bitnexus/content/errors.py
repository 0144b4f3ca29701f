"""Errors of content generation: credits, providers and posts that cannot fit."""

from __future__ import annotations

from bitnexus.core.errors import BitnexusError, Conflict, NotFound


class CreditsExhausted(BitnexusError):
    """The organisation's monthly content credits are used up (402: pay or wait for the reset)."""

    status = 402
    title = "Content credits used up"


class ProviderError(BitnexusError):
    """The content provider failed; nothing was generated and no credit was charged."""

    status = 502
    title = "Content provider failed"


class ProviderTimeout(ProviderError):
    status = 504
    title = "Content provider timed out"


class ProviderRefusedKey(ProviderError):
    """The provider refused the server's API key: a server configuration problem."""

    status = 502
    title = "Content provider refused the key"


class ProviderBadReply(ProviderError):
    status = 502
    title = "Content provider sent a malformed reply"


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, is overloaded or rate-limits this server."""

    status = 503
    title = "Content provider unavailable"


class PostDoesNotFit(Conflict):
    """The link and disclosure alone are longer than the platform allows."""

    title = "Post does not fit the platform"


class GenerationNotFound(NotFound):
    title = "Generation not found"
