"""Errors of the recruiting domain."""

from bitnexus.core.errors import BitnexusError, Conflict, NotFound


class ApplicationNotFound(NotFound):
    title = "Application not found"


class ApplicationDecided(Conflict):
    title = "Application already decided"


class InvalidApplication(BitnexusError):
    """An application whose answers or terms acceptance break the join page's rules (each
    field at fault is named)."""

    status = 422
    title = "Invalid application"


class InvalidRecruitingSettings(BitnexusError):
    status = 422
    title = "Invalid recruiting settings"
