"""Delivery: events reach registered endpoints signed (checked with the independent
`standardwebhooks` package), are retried on failure, and a failing endpoint is disabled with
a mail to its owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from standardwebhooks import Webhook, WebhookVerificationError

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.webhooks import jobs
from bitnexus.webhooks.delivery import LOGGED_BODY_BYTES, RETRY_DELAYS
from tests.factories import Program, last_mail
from tests.waiting import eventually
from tests.webhooks.support import (
    Receiver,
    deliveries,
    delivery,
    park_other_deliveries,
    register,
    send_due,
)

LATER = max(RETRY_DELAYS) * 2  # past any retry's jittered wait


async def _queued(who: Any, endpoint_id: str, count: int = 1) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        got = await deliveries(who, endpoint_id)
        return got if len(got) >= count else []

    return await eventually(found, f"{count} deliveries queued for {endpoint_id}")


async def test_an_event_arrives_signed_by_the_standard_webhooks_scheme(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given an admin's endpoint for approvals
    made = await register(program.admin, receiver.url, "product.approved")
    endpoint, secret = made["endpoint"], made["secret"]
    assert secret.startswith("whsec_")

    # when a product is approved and the due deliveries are sent
    product = await program.approved()
    await _queued(program.admin, endpoint["id"])
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    assert await send_due(db, allowing) >= 1

    # then the receiver got one message that verifies with the endpoint's secret only
    [got] = receiver.requests()
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "product.approved"
    assert payload["data"]["product_id"] == product["id"]
    assert got.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)
    [sent] = await deliveries(program.admin, endpoint["id"])
    assert sent["status"] == "succeeded"


async def test_a_failing_receiver_is_retried_until_it_answers(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given a receiver that fails twice (a 500, then a redirect, never followed) then succeeds
    receiver.answer(500)
    receiver.answer(302, headers={"location": receiver.url + "/elsewhere"})
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    await program.listed()
    [queued] = await _queued(program.admin, endpoint["id"])
    park_other_deliveries(owner_engine, program.admin.tenant_id)

    # when the job runs now, then again after each retry wait
    await send_due(db, allowing)
    after_first = await delivery(program.admin, endpoint["id"], queued["id"])
    await send_due(db, allowing, later=LATER)
    await send_due(db, allowing, later=LATER * 2)

    # then the first failure scheduled a retry, and the third attempt succeeded
    assert after_first["status"] == "pending"
    assert after_first["attempts"] == 1
    assert after_first["next_attempt_at"] is not None
    done = await delivery(program.admin, endpoint["id"], queued["id"])
    assert done["status"] == "succeeded"
    assert [a["response_status"] for a in done["attempt_log"]] == [200, 302, 500]
    first = done["attempt_log"][-1]
    assert first["response_body"] == "receiver says no"
    assert first["request_headers"]["webhook-id"] == queued["message_id"]
    assert first["request_body"] == done["body"]
    bodies = {r.body for r in receiver.requests()}
    assert len(bodies) == 1
    assert [r.path for r in receiver.requests()] == ["/hooks"] * 3  # the redirect not followed


def test_the_retry_schedule_spans_at_least_a_day() -> None:
    # given the documented schedule, jitter at its shortest
    shortest = sum(RETRY_DELAYS, dt.timedelta()) * 0.8

    # then the last attempt comes at least 22 hours after the first, 24 without jitter
    assert shortest >= dt.timedelta(hours=22)
    assert sum(RETRY_DELAYS, dt.timedelta()) >= dt.timedelta(hours=24)


async def test_the_log_keeps_a_long_answer_cut_to_its_limit(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given a receiver that answers with a body four times the logged size
    receiver.answer(200, body=b"x" * (LOGGED_BODY_BYTES * 4))
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    r = await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    park_other_deliveries(owner_engine, program.admin.tenant_id)

    # when it is sent
    await send_due(db, allowing)

    # then the log keeps the first 16 KiB of the answer, and the headers
    found = await delivery(program.admin, endpoint["id"], r.json()["id"])
    [attempt] = found["attempt_log"]
    assert attempt["response_body"] == "x" * LOGGED_BODY_BYTES
    assert attempt["response_headers"]["content-length"] == str(LOGGED_BODY_BYTES * 4)
    assert found["status"] == "succeeded"


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given an endpoint whose secret was rotated with an overlap
    made = await register(program.admin, receiver.url, "product.submitted")
    old, endpoint = made["secret"], made["endpoint"]
    r = await program.admin.client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret",
        json={"overlap_hours": 24},
        headers=program.admin.headers,
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != old
    assert r.json()["endpoint"]["previous_secret_until"]

    # when a test message is sent
    r = await program.admin.client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/test", headers=program.admin.headers
    )
    assert r.status_code == 202, r.text
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)

    # then it carries two signatures, and a receiver with either secret accepts it
    [got] = receiver.requests()
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.test"


async def test_an_endpoint_failing_for_long_is_disabled_and_its_owner_mailed(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given an endpoint whose receiver always fails, and a rule of three failures over a day
    rule = allowing.model_copy(
        update={"webhooks_disable_failures": 3, "webhooks_disable_days": 1.0}
    )
    receiver.answer(*[503] * 10)
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    for _ in range(3):
        await program.listed()
    await _queued(program.admin, endpoint["id"], 3)
    park_other_deliveries(owner_engine, program.admin.tenant_id)

    # when three attempts fail at once, then more fail two days later
    await send_due(db, rule)
    still = await program.admin.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=program.admin.headers
    )
    await send_due(db, rule, later=dt.timedelta(days=2))

    # then it was still enabled within the period, and is disabled after it, its owner told
    assert still.json()["enabled"] is True
    assert still.json()["consecutive_failures"] == 3
    r = await program.admin.client.get(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=program.admin.headers
    )
    assert r.json()["enabled"] is False
    assert "failed attempts" in r.json()["disabled_reason"]
    mail = last_mail(program.admin.email)
    assert receiver.url in mail
    assert "stopped sending events" in mail

    # and nothing more is sent to it until it is enabled again
    sent = len(receiver.requests())
    await send_due(db, rule, later=dt.timedelta(days=4))
    assert len(receiver.requests()) == sent


async def test_a_delivery_to_an_address_no_longer_allowed_is_refused_at_send_time(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    settings: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given an endpoint on the local receiver, registered while private addresses were allowed
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    await program.listed()
    [queued] = await _queued(program.admin, endpoint["id"])
    park_other_deliveries(owner_engine, program.admin.tenant_id)

    # when the job sends it with private addresses refused (the default)
    assert settings.webhooks_allow_private is False
    await send_due(db, settings)

    # then nothing reached the receiver, and the log says why
    assert receiver.requests() == []
    found = await delivery(program.admin, endpoint["id"], queued["id"])
    [refused] = found["attempt_log"]
    assert refused["response_status"] is None
    assert "non-public address" in refused["error"]


async def test_redelivery_sends_a_delivered_message_again_under_the_same_id(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given a delivered test message
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    r = await program.admin.client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/test", headers=program.admin.headers
    )
    test_id = r.json()["id"]
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)

    # when it is redelivered
    r = await program.admin.client.post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{test_id}/redeliver",
        headers=program.admin.headers,
    )
    assert r.status_code == 202, r.text
    await send_due(db, allowing)

    # then the receiver got the same message twice
    first, second = receiver.requests()
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    found = await delivery(program.admin, endpoint["id"], test_id)
    assert found["status"] == "succeeded"
    assert len(found["attempt_log"]) == 2


async def test_without_overlap_only_the_new_secret_signs(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given an endpoint whose secret was rotated with no overlap
    made = await register(program.admin, receiver.url, "product.submitted")
    old, endpoint = made["secret"], made["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    r = await program.admin.client.post(
        f"{base}/rotate-secret", json={"overlap_hours": 0}, headers=program.admin.headers
    )
    new = r.json()["secret"]

    # when a test message is sent
    await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)

    # then only the new secret verifies it
    [got] = receiver.requests()
    assert Webhook(new).verify(got.body, got.headers)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got.body, got.headers)


async def test_a_test_message_reaches_a_disabled_endpoint_by_its_name(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given a disabled endpoint registered under a host name (localhost: ::1 and 127.0.0.1,
    # the receiver listening on the second only)
    url = receiver.url.replace("127.0.0.1", "localhost")
    made = await register(program.admin, url, "product.submitted", enabled=False)
    base = f"/api/v1/webhooks/endpoints/{made['endpoint']['id']}"

    # when a test is sent
    r = await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    assert r.status_code == 202, r.text
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)

    # then it arrives, under the name it was registered with
    [got] = receiver.requests()
    assert got.headers["host"] == url.split("/")[2]
    assert Webhook(made["secret"]).verify(got.body, got.headers)["type"] == "webhook.test"


async def test_finished_deliveries_leave_the_log_after_its_retention(
    program: Program,
    receiver: Receiver,
    allowing: Settings,
    db: Database,
    owner_engine: Engine,
) -> None:
    # given a delivered test message and a pending one, both made long ago
    endpoint = (await register(program.admin, receiver.url, "product.submitted"))["endpoint"]
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    sent = (await program.admin.client.post(f"{base}/test", headers=program.admin.headers)).json()
    park_other_deliveries(owner_engine, program.admin.tenant_id)
    await send_due(db, allowing)
    waiting = (
        await program.admin.client.post(f"{base}/test", headers=program.admin.headers)
    ).json()
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE webhook_deliveries SET created_at = now() - interval '31 days'"
                " WHERE endpoint_id = :e"
            ),
            {"e": endpoint["id"]},
        )

    # when the log is pruned (30 days by default)
    assert await jobs.prune(db, allowing) >= 1

    # then the delivered one is gone with its attempts, the pending one stays
    left = await deliveries(program.admin, endpoint["id"])
    assert [d["id"] for d in left] == [waiting["id"]]
    r = await program.admin.client.get(
        f"{base}/deliveries/{sent['id']}", headers=program.admin.headers
    )
    assert r.status_code == 404
