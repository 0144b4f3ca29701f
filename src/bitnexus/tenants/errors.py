"""Errors of the tenants domain."""

from bitnexus.core.errors import BitnexusError, Conflict, Forbidden, NotFound


class TenantNotFound(NotFound):
    title = "Organisation not found"


class TenantSuspended(Forbidden):
    title = "Organisation suspended"


class SignupClosed(Forbidden):
    title = "Sign-up closed"


class SlugTaken(Conflict):
    title = "Slug already taken"


class InvalidLogo(BitnexusError):
    status = 422
    title = "Invalid logo"
