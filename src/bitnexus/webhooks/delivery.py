"""Sending a delivery: claim it, POST it (outside any transaction), record the attempt and
decide what follows: done, a retry later, or given up; and an endpoint that keeps failing is
disabled, its owner told by mail.

Retries follow `RETRY_DELAYS` after the first attempt, each stretched or shrunk by up to a
fifth at random (jitter, so a receiver coming back is not hit by every retry at once): 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about 27.5 hours. Only a 2xx
answer is a success; a redirect is a failure (it is never followed).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service import users
from bitnexus.core import mail
from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.deps import transaction
from bitnexus.webhooks import addresses, repository, service, signing
from bitnexus.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookEndpoint

log = structlog.get_logger(__name__)

RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
JITTER = 0.2
LOGGED_BODY_BYTES = 16_384  # request and response bodies are kept up to this size in the log
LOGGED_HEADERS = 50
LEASE = dt.timedelta(minutes=2)  # an attempt in flight is not claimed by another process


def retry_delay(attempts: int) -> dt.timedelta | None:
    """The wait after the `attempts`-th failed attempt; None when the schedule is over."""
    if attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311


@dataclass(frozen=True)
class Outcome:
    status: int | None = None
    headers: dict[str, str] | None = None
    body: str | None = None
    error: str | None = None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Claimed:
    endpoint_id: uuid.UUID
    url: str
    headers: dict[str, str]
    body: str


def _truncated(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    text = raw[:LOGGED_BODY_BYTES].decode(errors="replace")
    return text.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL


async def post(settings: Settings, claimed: Claimed) -> Outcome:
    """POST to the endpoint's checked address, with the name it was registered under."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        parts, found = await addresses.resolve(
            claimed.url, allow_private=settings.webhooks_allow_private
        )
    except addresses.Refused as refused:
        return Outcome(error=f"Refused: {refused}"[:500], duration_ms=took())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    extensions: dict[str, object] = (
        {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    )
    headers = {**claimed.headers, "host": parts.netloc}
    error: httpx.HTTPError | None = None
    for address in found:  # each checked address in turn, until one accepts the connection
        pinned = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
        target = parts._replace(netloc=pinned).geturl()
        try:
            return await _post_to(settings, target, headers, claimed.body, extensions, took)
        except httpx.ConnectError as refused:
            error = refused
        except httpx.HTTPError as failed:
            error = failed
            break
    assert error is not None
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return Outcome(error=reason[:500], duration_ms=took())


async def _post_to(
    settings: Settings,
    target: str,
    headers: dict[str, str],
    body: str,
    extensions: dict[str, object],
    took: Callable[[], int],
) -> Outcome:
    async with (
        httpx.AsyncClient(
            timeout=settings.webhooks_timeout_seconds, follow_redirects=False, trust_env=False
        ) as client,
        client.stream(
            "POST", target, content=body.encode(), headers=headers, extensions=extensions
        ) as response,
    ):
        received = bytearray()
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) >= LOGGED_BODY_BYTES:
                break
        kept = dict(list(response.headers.items())[:LOGGED_HEADERS])
        return Outcome(response.status_code, kept, _truncated(bytes(received)), None, took())


async def _claim(
    db: Database, settings: Settings, tenant_id: uuid.UUID, delivery_id: uuid.UUID, now: dt.datetime
) -> Claimed | None:
    """Take a due delivery for one attempt (skipping one another process holds)."""
    async with transaction(db) as session:
        await set_tenant(session, tenant_id)
        found = await repository.delivery(session, delivery_id, lock=True, skip_locked=True)
        if (
            found is None
            or found.status != DeliveryStatus.pending
            or found.next_attempt_at is None
            or found.next_attempt_at > now
        ):
            return None
        endpoint = await repository.endpoint(session, found.endpoint_id)
        if endpoint is None or not (endpoint.enabled or found.event_id is None):
            return None
        found.next_attempt_at = now + LEASE
        signed = signing.headers(
            service.secrets_in_use(settings, endpoint, now),
            service.message_id(found),
            int(time.time()),  # the receiver's clock, not the schedule's
            found.body.encode(),
        )
        return Claimed(endpoint.id, endpoint.url, signed, found.body)


async def attempt(
    db: Database, settings: Settings, tenant_id: uuid.UUID, delivery_id: uuid.UUID, now: dt.datetime
) -> Outcome | None:
    """One attempt of a due delivery; None if it was not due or not ours to send."""
    claimed = await _claim(db, settings, tenant_id, delivery_id, now)
    if claimed is None:
        return None
    outcome = await post(settings, claimed)
    async with transaction(db) as session:
        await set_tenant(session, tenant_id)
        # the endpoint's row first, then the delivery's: the order a deletion (which cascades
        # from the endpoint) takes them in
        endpoint = await repository.endpoint(session, claimed.endpoint_id, lock=True)
        found = await repository.delivery(session, delivery_id, lock=True)
        if endpoint is None or found is None:
            return outcome  # its endpoint was deleted meanwhile
        session.add(
            WebhookAttempt(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                delivery_id=found.id,
                attempted_at=now,
                url=claimed.url,
                request_headers=claimed.headers,
                request_body=_truncated(claimed.body),
                response_status=outcome.status,
                response_headers=outcome.headers,
                response_body=outcome.body,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        if outcome.ok:
            found.status, found.next_attempt_at = DeliveryStatus.succeeded, None
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
        else:
            found.attempts += 1
            delay = retry_delay(found.attempts)
            if delay is None:
                found.status, found.next_attempt_at = DeliveryStatus.failed, None
            else:
                found.next_attempt_at = now + delay
            endpoint.consecutive_failures += 1
            endpoint.failing_since = endpoint.failing_since or now
            if _worn_out(settings, endpoint, now):
                await _disable(session, settings, endpoint)
    log.info(
        "webhooks.attempted",
        delivery_id=str(delivery_id),
        status=outcome.status,
        ok=outcome.ok,
        error=outcome.error,
    )
    return outcome


def _worn_out(settings: Settings, endpoint: WebhookEndpoint, now: dt.datetime) -> bool:
    """Failing for long enough, and often enough, to stop trying."""
    return (
        endpoint.enabled
        and endpoint.failing_since is not None
        and endpoint.consecutive_failures >= settings.webhooks_disable_failures
        and now - endpoint.failing_since >= dt.timedelta(days=settings.webhooks_disable_days)
    )


async def _disable(session: AsyncSession, settings: Settings, endpoint: WebhookEndpoint) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = (
        f"Disabled after {endpoint.consecutive_failures} failed attempts in a row."
    )
    log.warning("webhooks.endpoint_disabled", endpoint_id=str(endpoint.id))
    owner = await users.find_user(session, endpoint.owner_id)
    if owner is None:
        return
    await mail.send(
        session,
        settings,
        mail.Mail(
            to=owner.email,
            subject="Your webhook endpoint was disabled",
            body=(
                f"Hello {owner.name},\n\n"
                f"BitNexus stopped sending events to your webhook endpoint\n{endpoint.url}\n"
                f"after {endpoint.consecutive_failures} failed attempts in a row, the first on "
                f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC.\n\n"
                "Fix the receiver, then enable the endpoint again on the Webhooks page: "
                f"{settings.app_url}/app/webhooks\nMessages that failed meanwhile can be sent "
                "again from its delivery log.\n"
            ),
        ),
    )
