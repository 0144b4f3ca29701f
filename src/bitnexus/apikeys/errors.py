"""Errors of API keys."""

from __future__ import annotations

from bitnexus.core.errors import NotFound, Unauthorized


class ApiKeyNotFound(NotFound):
    title = "API key not found"


class InvalidApiKey(Unauthorized):
    title = "Invalid API key"
