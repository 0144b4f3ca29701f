"""Errors of webhooks."""

from __future__ import annotations

from bitnexus.core.errors import Conflict, NotFound


class EndpointNotFound(NotFound):
    title = "Webhook endpoint not found"


class DeliveryNotFound(NotFound):
    title = "Webhook delivery not found"


class TooManyEndpoints(Conflict):
    title = "Too many webhook endpoints"
