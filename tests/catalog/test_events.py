"""A product's life is told as events: its vendor hears each step, the admins a submission,
the whole organisation an approval."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from fastapi import FastAPI

from bitnexus.core.events import Dispatcher, Event, Subscription
from bitnexus.core.outbox import admins_topic, tenant_topic, user_topic
from tests.factories import Program


async def _next(subscription: Subscription) -> Event:
    """The next product event (the notifications they make are announced too)."""
    while True:
        event = await asyncio.wait_for(subscription.next(), timeout=30)
        if not event.type.startswith("notification."):
            return event


@pytest.mark.parametrize(
    ("decision", "extra", "tenant_hears"),
    [("approved", {"grade": "A"}, True), ("rejected", {"reason": "No landing page"}, False)],
)
async def test_a_product_is_announced_when_submitted_and_when_decided(
    app: FastAPI, program: Program, decision: str, extra: dict[str, str], tenant_hears: bool
) -> None:
    # given subscribers to the vendor's, the admins' and the organisation's topics
    dispatcher: Dispatcher = app.state.events
    tenant = uuid.UUID(program.admin.user["tenant"]["id"])
    vendor = dispatcher.subscribe([user_topic(uuid.UUID(program.vendor.id))])
    admins = dispatcher.subscribe([admins_topic(tenant)])
    everyone = dispatcher.subscribe([tenant_topic(tenant)])

    # when the vendor lists a product and an admin decides on it
    product = await program.listed(title="Espresso course")
    r = await program.review(product["id"], decision=decision, **extra)
    assert r.status_code == 200, r.text

    # then the vendor hears both steps, the admins the submission, everyone only an approval
    submitted, decided = await _next(vendor), await _next(vendor)
    assert (submitted.type, decided.type) == ("product.submitted", f"product.{decision}")
    assert decided.data["product_id"] == product["id"]
    assert decided.data["title"] == "Espresso course"
    assert (await _next(admins)).type == "product.submitted"
    if tenant_hears:
        assert (await _next(everyone)).type == "product.approved"
    assert everyone._queue.empty()
    assert all(e.type.startswith("notification.") for e in _queued(admins))


def _queued(subscription: Subscription) -> list[Event]:
    events = []
    while not subscription._queue.empty():
        event = subscription._queue.get_nowait()
        assert event is not None
        events.append(event)
    return events
