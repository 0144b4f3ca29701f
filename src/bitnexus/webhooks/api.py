"""Webhook routes: endpoints (the secret shown once at creation and rotation), event types,
test-send, the delivery log and redelivery."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from bitnexus.auth import CurrentPrincipal
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.webhooks import service
from bitnexus.webhooks.errors import DeliveryNotFound, EndpointNotFound, TooManyEndpoints
from bitnexus.webhooks.schemas import (
    DeliveryDetail,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeRead,
    SecretRotate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.get("/event-types", responses=errors_for(Forbidden))
async def list_webhook_event_types(principal: CurrentPrincipal) -> list[EventTypeRead]:
    """The event types you may subscribe to."""
    return service.event_types(principal)


@router.post(
    "/endpoints", status_code=201, responses=errors_for(Forbidden, InvalidInput, TooManyEndpoints)
)
async def create_webhook_endpoint(
    body: EndpointCreate, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> EndpointWithSecret:
    """Register an endpoint. Its signing secret is in this response only; store it now."""
    return await service.create(session, settings, principal, body)


@router.get("/endpoints", responses=errors_for(Forbidden))
async def list_webhook_endpoints(
    principal: CurrentPrincipal, session: SessionDep
) -> list[EndpointRead]:
    """Your endpoints (organisation admins: every endpoint of the organisation), newest first."""
    return await service.listed(session, principal)


@router.get("/endpoints/{endpoint_id}", responses=errors_for(EndpointNotFound, Forbidden))
async def get_webhook_endpoint(
    endpoint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> EndpointRead:
    """One endpoint."""
    return await service.get(session, principal, endpoint_id)


@router.patch(
    "/endpoints/{endpoint_id}", responses=errors_for(EndpointNotFound, Forbidden, InvalidInput)
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> EndpointRead:
    """Change an endpoint's URL, event types, description, or enable/disable it."""
    return await service.update(session, settings, principal, endpoint_id, body)


@router.delete(
    "/endpoints/{endpoint_id}", status_code=204, responses=errors_for(EndpointNotFound, Forbidden)
)
async def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Delete an endpoint and its delivery log."""
    await service.delete(session, principal, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret", responses=errors_for(EndpointNotFound, Forbidden)
)
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID,
    body: SecretRotate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> EndpointWithSecret:
    """A new signing secret (in this response only); the old one also signs for the overlap."""
    return await service.rotate(session, settings, principal, endpoint_id, body)


@router.post(
    "/endpoints/{endpoint_id}/test",
    status_code=202,
    responses=errors_for(EndpointNotFound, Forbidden),
)
async def send_webhook_test(
    endpoint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DeliveryRead:
    """Send a `webhook.test` message to the endpoint (queued at once)."""
    return await service.test_send(session, principal, endpoint_id)


@router.get(
    "/endpoints/{endpoint_id}/deliveries", responses=errors_for(EndpointNotFound, Forbidden)
)
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[DeliveryRead]:
    """The endpoint's newest deliveries (up to 100), newest first."""
    return await service.deliveries(session, principal, endpoint_id)


@router.get(
    "/endpoints/{endpoint_id}/deliveries/{delivery_id}",
    responses=errors_for(EndpointNotFound, DeliveryNotFound, Forbidden),
)
async def get_webhook_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DeliveryDetail:
    """A delivery, its body and every attempt's request and response."""
    return await service.delivery(session, principal, endpoint_id, delivery_id)


@router.post(
    "/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    responses=errors_for(EndpointNotFound, DeliveryNotFound, Forbidden),
)
async def redeliver_webhook(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DeliveryRead:
    """Send a delivery again now, with a fresh retry schedule."""
    return await service.redeliver(session, principal, endpoint_id, delivery_id)
