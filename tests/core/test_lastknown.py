"""The last-known store answers while a source is down, within its age and size bounds."""

from __future__ import annotations

import pytest

from bitnexus.core.lastknown import LastKnown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("age", "kept"),
    [(0.0, True), (3600.0, True), (86_400.0, True), (86_400.5, False), (10 * 86_400.0, False)],
    ids=["just-read", "an-hour", "at-the-bound", "just-past", "days-past"],
)
def test_a_value_is_answered_until_it_is_older_than_the_bound(age: float, kept: bool) -> None:
    # given: a value read at a time
    clock = Clock()
    last = LastKnown[str, str](max_entries=10, max_age=86_400, clock=clock)
    last.keep("abc", "https://shop.example/a")

    # when: asked for `age` seconds later
    clock.now += age
    found = last.get("abc")

    # then
    assert found == ("https://shop.example/a" if kept else None)


def test_a_value_too_old_is_forgotten_and_a_new_read_renews_it() -> None:
    # given: a value past its bound
    clock = Clock()
    last = LastKnown[str, int](max_entries=10, max_age=60, clock=clock)
    last.keep("abc", 1)
    clock.now += 61
    assert last.get("abc") is None

    # when: read again from its source
    last.keep("abc", 2)
    clock.now += 59

    # then: the age counts from that read, and the old one is gone for good
    assert last.get("abc") == 2
    assert len(last) == 1


def test_a_get_does_not_make_a_value_younger() -> None:
    # given
    clock = Clock()
    last = LastKnown[str, int](max_entries=10, max_age=60, clock=clock)
    last.keep("abc", 1)

    # when: asked often during the outage
    for _ in range(3):
        clock.now += 30
        answered = last.get("abc")

    # then: 90 s after its read it is too old, however often it was answered
    assert answered is None


@pytest.mark.parametrize("max_entries", [2, 3, 100], ids=["two", "three", "hundred"])
def test_memory_is_bounded_and_the_least_recently_used_goes_first(max_entries: int) -> None:
    # given: a full store whose oldest key was just used again
    last = LastKnown[int, int](max_entries=max_entries, max_age=86_400, clock=Clock())
    for key in range(max_entries):
        last.keep(key, key)
    assert last.get(0) == 0

    # when: many more keys are read
    for key in range(max_entries, 10 * max_entries):
        last.keep(key, key)
        last.get(0)  # a busy link, clicked between the others

    # then: never more than the bound; the busy key is still there, the idle ones went
    assert len(last) == max_entries
    assert last.get(0) == 0
    assert last.get(max_entries) is None


def test_a_bound_of_zero_keeps_nothing_and_a_dropped_key_is_gone() -> None:
    off = LastKnown[str, int](max_entries=0, max_age=86_400)
    off.keep("abc", 1)
    assert off.get("abc") is None
    assert len(off) == 0

    on = LastKnown[str, int](max_entries=10, max_age=86_400)
    on.keep("abc", 1)
    on.drop("abc")
    assert on.get("abc") is None
