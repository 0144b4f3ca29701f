"""The OpenAPI document as the app behaves: the answers every route may give besides its own,
all as problem+json, and the input rules of `core.inputs` stated in the parameters."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from bitnexus.core.errors import PROBLEM_JSON

PROBLEM = {"$ref": "#/components/schemas/Problem"}
# `core.inputs.CONTROL`, as the JSON Schema pattern of a string parameter.
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f]*$"

# Answers a route may give without naming them itself, and when.
_BAD_REQUEST = "Bad request: a character not allowed in the path or query, or a bad cursor"
_UNAUTHORIZED = "Not authenticated: no access token, or one that is invalid or expired"
_FORBIDDEN = "Forbidden: a role that may not do this, or a suspended account or organisation"
_TOO_LARGE = "Payload too large"
_INVALID = "Invalid input: the fields at fault are in `errors`"


def install(app: FastAPI) -> None:
    """Make `app.openapi()` (and so /api/openapi.json) describe what `core.http` answers."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def truthful(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the app-wide answers of every operation and its string parameters'
    pattern (a copy; the input is left alone)."""
    document = copy.deepcopy(document)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            _document_answers(operation)
            for parameter in operation.get("parameters", []):
                if parameter["in"] in {"path", "query"}:
                    _forbid_control_characters(parameter["schema"])
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # 422s are Problems here
        schemas.pop(unused, None)
    return document


def _document_answers(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # Every request passes `core.inputs.InputGuard`, whatever its route declares.
    responses.setdefault("400", {"description": _BAD_REQUEST})
    if operation.get("security"):  # the bearer token and the caller it names are checked
        responses.setdefault("401", {"description": _UNAUTHORIZED})
        responses.setdefault("403", {"description": _FORBIDDEN})
    if "requestBody" in operation:  # `core.http.RequestContextMiddleware` caps bodies
        responses.setdefault("413", {"description": _TOO_LARGE})
    if "422" in responses:
        responses["422"]["description"] = _INVALID
    for status, response in responses.items():
        if status[0] in "45":  # every error is rendered by core.http as problem+json
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM}}


def _forbid_control_characters(schema: dict[str, Any]) -> None:
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string" and not (
            {"pattern", "format", "enum", "const"} & option.keys()
        ):
            option["pattern"] = NO_CONTROL_CHARACTERS
