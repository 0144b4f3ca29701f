"""bench/RESULTS.md as `make bench` rewrites it: a benchmark run again replaces its figures and
keeps its notes and the other sections."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import results

BEFORE = (
    f"{results.HEADER}\n"
    "## Search — hybrid search against its parts\n\n"
    "_Measured 2026-12-01 10:00 UTC on commit aaaaaaa; an old machine._\n\n"
    "| p50 | 9.9 |\n\n"
    f"{results.NOTES}\n"
    "**The run at 10:00.** It was slow.\n\n"
    "**Why.** The model.\n"
    "\n"
    "## Redirect — GET /r/{code}\n\n"
    "_Measured 2026-11-30 09:00 UTC on commit bbbbbbb; an old machine._\n\n"
    "**Ratio: 0.64x**\n"
)
NOW = results.provenance(dt.datetime(2026, 12, 7, 13, 5, tzinfo=dt.UTC), "ccccccc", "a machine")


def test_a_benchmark_run_again_keeps_its_notes_and_the_other_sections() -> None:
    # given a results file with two sections, the first with notes
    # when the first runs again
    after = results.merged(BEFORE, ["## Search — hybrid search\n\n| p50 | 5.1 |\n"], NOW)
    search, redirect = results.parse(after)
    # then its provenance and figures are new, its notes kept after them
    assert search.text == (
        "## Search — hybrid search\n\n"
        "_Measured 2026-12-07 13:05 UTC on commit ccccccc; a machine._\n\n"
        "| p50 | 5.1 |\n\n"
        f"{results.NOTES}\n"
        "**The run at 10:00.** It was slow.\n\n"
        "**Why.** The model.\n"
    )
    # and the other section is as it was
    assert redirect.text == BEFORE[BEFORE.index("## Redirect") :]
    assert after.startswith(results.HEADER)


def test_a_first_run_writes_its_figures_without_notes() -> None:
    (search,) = results.parse(results.merged("", ["## Search\n\n| p50 | 5.1 |"], NOW))
    assert search.text == (
        "## Search\n\n_Measured 2026-12-07 13:05 UTC on commit ccccccc; a machine._\n\n"
        "| p50 | 5.1 |\n"
    )
    assert search.notes == ""


@pytest.mark.parametrize(
    ("chosen", "order"),
    [
        (["## Redirect — GET /r/{code}\n\nRatio"], ["## Search", "## Redirect"]),
        (["## Recovery (RPO and RTO)\n\nRTO"], ["## Search", "## Redirect", "## Recovery (RPO and RTO)"]),
        ([], ["## Search", "## Redirect"]),
    ],
    ids=["in place", "a new benchmark last", "none"],
)  # fmt: skip
def test_sections_keep_their_order(chosen: list[str], order: list[str]) -> None:
    assert [s.key for s in results.parse(results.merged(BEFORE, chosen, NOW))] == order


def test_the_file_written_reads_back_the_same() -> None:
    once = results.merged(BEFORE, ["## Search — x\n\n| p50 | 5.1 |\n"], NOW)
    assert results.merged(once, [], NOW) == once
    assert results.merged(once, ["## Search — x\n\n| p50 | 5.1 |\n"], NOW) == once
