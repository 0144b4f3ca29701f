"""Time-ordered ids (`core.ids.uuid7`): RFC 9562 version 7, equal to the UUID their text reads
back as, ordered by the millisecond they were made in."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import uuid
from collections.abc import Callable

import pytest

from bitnexus.core.ids import uuid7, uuid7_time


def test_an_id_is_a_version_7_uuid_of_the_rfc_variant() -> None:
    made = uuid7()

    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.is_safe is uuid.SafeUUID.unknown


@pytest.mark.parametrize(
    "read_back",
    [
        lambda u: uuid.UUID(str(u)),
        lambda u: uuid.UUID(hex=u.hex),
        lambda u: uuid.UUID(bytes=u.bytes),
        lambda u: uuid.UUID(int=u.int),
        lambda u: pickle.loads(pickle.dumps(u)),  # noqa: S301 (our own bytes)
        copy.deepcopy,
    ],
    ids=["text", "hex", "bytes", "int", "pickle", "copy"],
)
def test_an_id_equals_and_hashes_as_what_it_reads_back_as(
    read_back: Callable[[uuid.UUID], uuid.UUID],
) -> None:
    made = uuid7()

    again = read_back(made)

    assert again == made
    assert hash(again) == hash(made)
    assert {again: "found"}[made] == "found"


def test_ids_tell_when_they_were_made_and_sort_by_it() -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ids = [uuid7() for _ in range(1000)]
    after = dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=1)

    times = [uuid7_time(i) for i in ids]

    assert all(t is not None and before <= t <= after for t in times)
    assert sorted(ids, key=lambda i: i.int >> 80) == ids  # (within a millisecond: random)
    assert len(set(ids)) == len(ids)


def test_another_version_tells_no_time() -> None:
    assert uuid7_time(uuid.uuid4()) is None
