"""Resuming the ledger stream: only an event id the stream sent."""

from __future__ import annotations

import pytest

from bitnexus.core.errors import BadRequest
from bitnexus.ledger.stream import parse_last_event_id
from tests.conftest import ClientFactory
from tests.factories import signup_org

BIGINT = 2**63 - 1


@pytest.mark.parametrize(
    ("sent", "after"),
    [(None, None), ("0", 0), ("120", 120), (str(BIGINT), BIGINT)],
)
def test_an_id_the_stream_sent_resumes_after_it(sent: str | None, after: int | None) -> None:
    assert parse_last_event_id(sent) == after


@pytest.mark.parametrize(
    "sent", ["", "h3-s120", "-1", "1.5", " 7", "0x10", str(BIGINT + 1), str(10**20)]
)
def test_any_other_id_is_refused(sent: str) -> None:
    with pytest.raises(BadRequest):
        parse_last_event_id(sent)


async def test_a_resume_past_a_bigint_is_a_400_before_the_stream_starts(
    make_client: ClientFactory,
) -> None:
    # given a tenant admin
    admin = await signup_org(make_client())

    # when they resume the stream from an id no stream sent
    r = await admin.client.get(
        "/api/v1/ledger/stream",
        headers={**admin.headers, "Last-Event-ID": str(10**20)},
    )

    # then the answer is a problem naming the header, not a stream that fails after its 200
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["Last-Event-ID"]
