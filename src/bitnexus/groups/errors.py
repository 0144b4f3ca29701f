"""Errors of the groups domain."""

from bitnexus.core.errors import BitnexusError, Conflict, NotFound


class GroupNotFound(NotFound):
    title = "Group not found"


class GroupNameTaken(Conflict):
    title = "Group name taken"


class GroupHasMembers(Conflict):
    title = "Group has members"


class AlreadyInGroup(Conflict):
    title = "Already in that group"


class InvalidGroup(BitnexusError):
    """Terms a group may not have (each field at fault is named)."""

    status = 422
    title = "Invalid group"
