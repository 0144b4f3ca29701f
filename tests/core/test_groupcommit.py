"""Group commit: one batch per tenant at a time, each caller its own outcome, a failed batch
retried item by item, an undecided item submitted again later."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from bitnexus.core.errors import BitnexusError, InvalidInput
from bitnexus.core.groupcommit import LATER, GroupCommit, Later

A, B = uuid.uuid4(), uuid.uuid4()


class Ledger:
    """A `write` that records its batches; "bad" items are refused, "boom" fails a batch of
    more than one, "later" is undecided the first time."""

    def __init__(self) -> None:
        self.batches: list[tuple[uuid.UUID, list[str]]] = []
        self.postponed: set[str] = set()

    async def write(
        self, tenant_id: uuid.UUID, items: Sequence[str]
    ) -> list[str | BitnexusError | Later]:
        self.batches.append((tenant_id, list(items)))
        await asyncio.sleep(0.01)
        if "boom" in items and len(items) > 1:
            raise RuntimeError("the database went away")
        out: list[str | BitnexusError | Later] = []
        for item in items:
            if item == "bad":
                out.append(InvalidInput("item", "Bad item."))
            elif item == "later" and item not in self.postponed:
                self.postponed.add(item)
                out.append(LATER)
            else:
                out.append(item.upper())
        return out


async def test_items_arriving_together_share_a_batch_per_tenant_and_get_their_own_outcomes() -> (
    None
):
    ledger = Ledger()
    batches = GroupCommit(ledger.write, in_flight=1, gather_seconds=0.02)
    results = await asyncio.gather(
        batches.submit(A, "a1"),
        batches.submit(B, "b1"),
        batches.submit(A, "bad"),
        batches.submit(A, "a2"),
        return_exceptions=True,
    )
    assert results[0] == "A1"
    assert results[1] == "B1"
    assert results[3] == "A2"
    assert isinstance(results[2], InvalidInput)
    assert sorted(ledger.batches) == sorted([(A, ["a1", "bad", "a2"]), (B, ["b1"])])
    await batches.close()


async def test_a_failed_batch_is_written_item_by_item() -> None:
    ledger = Ledger()
    batches = GroupCommit(ledger.write, in_flight=1, gather_seconds=0.02)
    results = await asyncio.gather(
        batches.submit(A, "a1"), batches.submit(A, "boom"), batches.submit(A, "a2")
    )
    assert results == ["A1", "BOOM", "A2"]
    assert ledger.batches == [(A, ["a1", "boom", "a2"]), (A, ["a1"]), (A, ["boom"]), (A, ["a2"])]


async def test_an_undecided_item_goes_into_a_later_batch_without_holding_up_the_others() -> None:
    ledger = Ledger()
    batches = GroupCommit(ledger.write, in_flight=1, gather_seconds=0.0, later_seconds=0.2)
    later = asyncio.ensure_future(batches.submit(A, "later"))
    assert await batches.submit(A, "now") == "NOW"
    assert not later.done()  # "now" was answered while "later" waits for its next batch
    assert await later == "LATER"
    assert [items for _, items in ledger.batches][-1] == ["later"]
    await batches.close()


async def test_batches_are_capped_and_close_waits_for_everything_queued() -> None:
    ledger = Ledger()
    batches = GroupCommit(ledger.write, max_batch=2, in_flight=2, gather_seconds=0.01)
    waiting = [asyncio.ensure_future(batches.submit(A, f"x{i}")) for i in range(5)]
    await asyncio.sleep(0)
    await batches.close()
    assert [w.result() for w in waiting] == [f"X{i}" for i in range(5)]
    assert max(len(items) for _, items in ledger.batches) == 2


@pytest.mark.parametrize("gather", [0.0, 0.02])
async def test_one_item_alone_is_written_at_once(gather: float) -> None:
    ledger = Ledger()
    batches = GroupCommit(ledger.write, gather_seconds=gather)
    started = asyncio.get_running_loop().time()
    assert await batches.submit(A, "solo") == "SOLO"
    assert asyncio.get_running_loop().time() - started < 0.5
