"""Endpoints: register, list, change, rotate the secret, test-send, read the delivery log,
redeliver. Admins manage every endpoint of their organisation; a vendor manages their own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from functools import lru_cache

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.core import jsontext
from bitnexus.core.config import Settings
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden, InvalidInput
from bitnexus.core.ids import uuid7
from bitnexus.core.sealing import SecretBox
from bitnexus.webhooks import addresses, catalogue, repository, signing
from bitnexus.webhooks.errors import DeliveryNotFound, EndpointNotFound, TooManyEndpoints
from bitnexus.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from bitnexus.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeRead,
    SecretRotate,
)

log = structlog.get_logger(__name__)
DELIVERIES_SHOWN = 100
ENDPOINTS_PER_USER = 10  # each event costs a delivery per endpoint: fan-out stays bounded


@lru_cache(maxsize=4)
def box(app_secret: str) -> SecretBox:
    return SecretBox(app_secret, "webhook endpoint secrets")


def seal(settings: Settings, endpoint_id: uuid.UUID, secret: str) -> bytes:
    return box(settings.secret).seal(secret.encode(), endpoint_id.bytes)


def secrets_in_use(settings: Settings, endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    """The secrets that sign a message now: the current one, and the replaced one until its
    overlap ends."""
    opened = [box(settings.secret).open(endpoint.secret_sealed, endpoint.id.bytes).decode()]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed is not None and until is not None and now < until:
        previous = box(settings.secret).open(endpoint.previous_secret_sealed, endpoint.id.bytes)
        opened.append(previous.decode())
    return opened


def message_id(delivery: WebhookDelivery) -> str:
    return f"msg_{delivery.id.hex}"


def allowed_types(role: Role) -> frozenset[str]:
    if role is Role.tenant_admin:
        return catalogue.ADMIN_TYPES
    if role is Role.vendor:
        return catalogue.VENDOR_TYPES
    return frozenset()


def _manager(principal: Principal) -> None:
    if not allowed_types(principal.role):
        raise Forbidden("Only organisation admins and vendors have webhooks.")


def event_types(principal: Principal) -> list[EventTypeRead]:
    """The event types the caller may subscribe to."""
    _manager(principal)
    allowed = allowed_types(principal.role)
    return [
        EventTypeRead.model_validate({"type": t, "description": d})
        for t, d in catalogue.EVENT_TYPES.items()
        if t in allowed
    ]


def _checked_types(principal: Principal, types: Sequence[str]) -> list[str]:
    allowed = allowed_types(principal.role)
    for i, kind in enumerate(types):
        if kind not in allowed:
            raise InvalidInput(f"event_types.{i}", f"Your role cannot subscribe to {kind}.")
    return sorted({str(t) for t in types})


async def _checked_url(settings: Settings, url: str) -> str:
    try:
        await addresses.resolve(url, allow_private=settings.webhooks_allow_private)
    except addresses.Refused as refused:
        raise InvalidInput("url", str(refused)) from refused
    return url


async def _mine(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint:
    _manager(principal)
    endpoint = await repository.endpoint(session, endpoint_id, lock=lock)
    viewer = principal.restricted_to
    if endpoint is None or (viewer is not None and endpoint.owner_id != viewer):
        raise EndpointNotFound("No such webhook endpoint.")
    return endpoint


async def create(
    session: AsyncSession, settings: Settings, principal: Principal, body: EndpointCreate
) -> EndpointWithSecret:
    _manager(principal)
    types = _checked_types(principal, body.event_types)
    url = await _checked_url(settings, body.url)
    if await repository.owned(session, principal.user.id) >= ENDPOINTS_PER_USER:
        raise TooManyEndpoints(
            f"You have {ENDPOINTS_PER_USER} endpoints, the most one user may have: delete one"
            " first, or subscribe an existing one to more event types."
        )
    endpoint_id, secret, now = uuid.uuid4(), signing.new_secret(), utcnow()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        tenant_id=principal.tenant.id,
        owner_id=principal.user.id,
        vendor_scoped=principal.role is Role.vendor,
        url=url,
        description=body.description,
        event_types=types,
        enabled=body.enabled,
        secret_sealed=seal(settings, endpoint_id, secret),
        consecutive_failures=0,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    log.info("webhooks.endpoint_created", endpoint_id=str(endpoint_id))
    return EndpointWithSecret(endpoint=EndpointRead.model_validate(endpoint), secret=secret)


async def listed(session: AsyncSession, principal: Principal) -> list[EndpointRead]:
    _manager(principal)
    found = await repository.endpoints(session, principal.restricted_to)
    return [EndpointRead.model_validate(e) for e in found]


async def get(session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID) -> EndpointRead:
    return EndpointRead.model_validate(await _mine(session, principal, endpoint_id))


async def update(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
) -> EndpointRead:
    endpoint = await _mine(session, principal, endpoint_id, lock=True)
    if body.event_types is not None:
        endpoint.event_types = _checked_types(principal, body.event_types)
    if body.url is not None:
        endpoint.url = await _checked_url(settings, body.url)
    if body.description is not None:
        endpoint.description = body.description
    if body.enabled is not None:
        if body.enabled and not endpoint.enabled:  # a fresh start: failures are forgiven
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
            endpoint.disabled_reason = None
        endpoint.enabled = body.enabled
    endpoint.updated_at = utcnow()
    await session.flush()
    return EndpointRead.model_validate(endpoint)


async def delete(session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID) -> None:
    endpoint = await _mine(session, principal, endpoint_id, lock=True)
    await session.delete(endpoint)
    await session.flush()
    log.info("webhooks.endpoint_deleted", endpoint_id=str(endpoint_id))


async def rotate(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    endpoint_id: uuid.UUID,
    body: SecretRotate,
) -> EndpointWithSecret:
    """A new secret (shown once); the old one goes on signing, beside it, for the overlap."""
    endpoint = await _mine(session, principal, endpoint_id, lock=True)
    now, secret = utcnow(), signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_until = now + dt.timedelta(hours=body.overlap_hours)
    endpoint.secret_sealed = seal(settings, endpoint.id, secret)
    endpoint.updated_at = now
    await session.flush()
    log.info("webhooks.secret_rotated", endpoint_id=str(endpoint_id))
    return EndpointWithSecret(endpoint=EndpointRead.model_validate(endpoint), secret=secret)


async def test_send(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> DeliveryRead:
    """Queue a `webhook.test` message to the endpoint (sent even while it is disabled)."""
    endpoint = await _mine(session, principal, endpoint_id)
    now = utcnow()
    body = {
        "type": catalogue.TEST,
        "timestamp": now,
        "data": {"endpoint_id": endpoint.id, "message": "A test message from BitNexus."},
    }
    delivery = WebhookDelivery(
        id=uuid7(),
        tenant_id=endpoint.tenant_id,
        endpoint_id=endpoint.id,
        event_id=None,
        event_type=catalogue.TEST,
        body=jsontext.dumps(body).decode(),
        status=DeliveryStatus.pending,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return _delivery(delivery)


def _delivery(delivery: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        message_id=message_id(delivery),
    )


async def deliveries(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> list[DeliveryRead]:
    """The endpoint's newest deliveries, newest first."""
    endpoint = await _mine(session, principal, endpoint_id)
    return [
        _delivery(d) for d in await repository.deliveries(session, endpoint.id, DELIVERIES_SHOWN)
    ]


async def _my_delivery(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    endpoint = await _mine(session, principal, endpoint_id)
    delivery = await repository.delivery(session, delivery_id, lock=True)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise DeliveryNotFound("No such delivery.")
    return delivery


async def delivery(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryDetail:
    """A delivery with what it sends and every attempt (request and response), newest first."""
    found = await _my_delivery(session, principal, endpoint_id, delivery_id)
    attempts = [AttemptRead.model_validate(a) for a in await repository.attempts(session, found.id)]
    return DeliveryDetail(**_delivery(found).model_dump(), body=found.body, attempt_log=attempts)


async def redeliver(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryRead:
    """Send a delivery again now, whatever became of it, with a fresh retry schedule (same
    message id: the receiver can tell it is the same message)."""
    found = await _my_delivery(session, principal, endpoint_id, delivery_id)
    found.status, found.attempts, found.next_attempt_at = DeliveryStatus.pending, 0, utcnow()
    await session.flush()
    return _delivery(found)
