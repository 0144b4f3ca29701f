"""Errors of tracking: links and clicks."""

from bitnexus.core.errors import Conflict, NotFound


class LinkNotFound(NotFound):
    title = "Link not found"


class AliasTaken(Conflict):
    title = "Alias already taken"


class LinkDeleted(Conflict):
    title = "Link deleted"
