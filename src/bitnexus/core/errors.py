"""One error hierarchy, rendered everywhere as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field: `field` is the dotted name, `pointer` a JSON pointer."""

    field: str
    detail: str

    @property
    def pointer(self) -> str:
        return "/" + self.field.replace(".", "/") if self.field else ""


class BitnexusError(Exception):
    """Base of every error a service may raise; the status decides the HTTP answer."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    # When True, the request's transaction is committed even though the request fails
    # (a failed login must still count; a reused refresh token must still revoke its family).
    keep_changes: ClassVar[bool] = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type_slug(self) -> str:
        name = type(self).__name__
        return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


class BadRequest(BitnexusError):
    status = 400
    title = "Bad request"


class InvalidInput(BitnexusError):
    """Input that is well-formed but breaks a rule (names the field at fault)."""

    status = 422
    title = "Invalid input"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, errors=[FieldError(field, detail)])


class Unauthorized(BitnexusError):
    status = 401
    title = "Not authenticated"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(BitnexusError):
    status = 403
    title = "Forbidden"


class NotFound(BitnexusError):
    status = 404
    title = "Not found"


class MethodNotAllowed(BitnexusError):
    status = 405
    title = "Method not allowed"


class Conflict(BitnexusError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(BitnexusError):
    status = 413
    title = "Payload too large"


class RateLimited(BitnexusError):
    status = 429
    title = "Too many requests"
    keep_changes = True

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        retry_after = max(1, retry_after)
        super().__init__(
            detail or f"Too many attempts; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )


class DatabaseUnavailable(BitnexusError):
    """PostgreSQL cannot be reached right now (`core.outage`): try again after `Retry-After`."""

    status = 503
    title = "Database unavailable"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "The database cannot be reached right now; try again shortly.",
            headers={"Retry-After": str(retry_after)},
        )


class ReplicaConflict(BitnexusError):
    """A read replica cancelled the read to replay the primary's changes (a recovery conflict):
    the same read, asked again, is served by a replica past them or by the primary."""

    status = 503
    title = "Read cancelled"

    def __init__(self) -> None:
        super().__init__(
            "The read was interrupted by replication; try again.",
            headers={"Retry-After": "1"},
        )


class ProblemFieldError(BaseModel):
    field: str
    pointer: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemFieldError] = Field(default_factory=list)


def problem_body(
    status: int,
    title: str,
    detail: str | None,
    *,
    type_slug: str | None = None,
    errors: Iterable[FieldError] = (),
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://bitnexus.dev/problems/{type_slug}" if type_slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    errs = [{"field": e.field, "pointer": e.pointer, "detail": e.detail} for e in errors]
    if errs:
        body["errors"] = errs
    body.update(extra or {})
    return body


def errors_for(*errors: type[BitnexusError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entry for a route: documents the problem+json answers it can give."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status] = {
            "model": Problem,
            "description": err.title,
            "content": {PROBLEM_JSON: {}},
        }
    return out
