"""The split rule in integer math: no unit made or lost, whatever the amounts and levels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitnexus.commissions import split

amounts = st.integers(min_value=1, max_value=10**12)
rates = st.integers(min_value=0, max_value=split.BPS)


@st.composite
def shared_rates(draw: st.DrawFn) -> tuple[int, list[int]]:
    levels = draw(st.lists(st.integers(0, split.BPS), max_size=split.MAX_LEVELS))
    fee = draw(st.integers(0, split.BPS))
    while fee + sum(levels) > split.BPS:  # shrink until the affiliate keeps a share
        if levels and max(levels) > 0:
            i = levels.index(max(levels))
            levels[i] //= 2
        else:
            fee //= 2
    return fee, levels


@given(amounts, rates, st.integers(0, 5_000), shared_rates())
def test_the_pool_is_shared_out_to_the_last_unit(
    amount: int, bps: int, bonus: int, fee_and_levels: tuple[int, list[int]]
) -> None:
    fee_bps, levels = fee_and_levels
    pool = split.pool(amount, split.Rule(bps=bps, bonus_bps=bonus))
    assert 0 <= pool <= amount
    assert pool == min(amount * bps * (10_000 + bonus) // 10**8, amount)
    shares = split.split(pool, fee_bps=fee_bps, override_bps=levels)
    assert shares.affiliate + sum(shares.overrides) + shares.fee == pool
    assert shares.fee == pool * fee_bps // 10_000
    assert shares.overrides == tuple(pool * r // 10_000 for r in levels)
    assert shares.affiliate >= 0
    # the floors only ever favour the affiliate, by less than one unit per other party
    exact_affiliate = pool * (10_000 - fee_bps - sum(levels)) / 10_000
    assert exact_affiliate <= shares.affiliate < exact_affiliate + 1 + len(levels)


@given(amounts, st.integers(0, 10**9), st.integers(0, 5_000))
def test_a_fixed_commission_never_exceeds_the_sale(amount: int, fixed: int, bonus: int) -> None:
    pool = split.pool(amount, split.Rule(fixed=fixed, bonus_bps=bonus))
    assert pool == min(fixed * (10_000 + bonus) // 10_000, amount)


@given(amounts, rates, shared_rates(), st.lists(st.integers(1, 10**12), max_size=6))
def test_refunds_in_any_steps_give_back_exactly_what_was_paid(
    amount: int, bps: int, fee_and_levels: tuple[int, list[int]], steps: list[int]
) -> None:
    fee_bps, levels = fee_and_levels
    original = split.split(
        split.pool(amount, split.Rule(bps=bps)), fee_bps=fee_bps, override_bps=levels
    )
    held = [original.affiliate, *original.overrides, original.fee]
    net, given_back = amount, 0
    for step in steps:
        net = max(0, net - step)
        kept = [
            split.scaled_share(s, net, amount)
            for s in (original.affiliate, *original.overrides, original.fee)
        ]
        back = [h - k for h, k in zip(held, kept, strict=True)]
        assert all(b >= 0 for b in back)  # a refund never adds to anyone's share
        given_back += sum(back)
        held = kept
    assert given_back + sum(held) == original.pool  # nothing made or lost on the way
    if net == 0:
        assert held == [0] * len(held)


def test_bad_rules_and_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        split.Rule(bps=100, fixed=100)
    with pytest.raises(ValueError, match="exactly one"):
        split.Rule()
    with pytest.raises(ValueError, match="at most 10000"):
        split.split(100, fee_bps=6_000, override_bps=[5_000])
    with pytest.raises(ValueError, match="at most 3"):
        split.split(100, fee_bps=0, override_bps=[1, 1, 1, 1])
    with pytest.raises(ValueError, match="positive"):
        split.pool(0, split.Rule(bps=100))


def test_an_odd_amount_worked_through() -> None:
    # 9,999 at 12.5% = 1,249.875 -> pool 1,249; fee 10% -> 124; level 1 at 5% -> 62,
    # level 2 at 2.5% -> 31; the affiliate gets the rest: 1,032
    pool = split.pool(9_999, split.Rule(bps=1_250))
    shares = split.split(pool, fee_bps=1_000, override_bps=[500, 250])
    assert (shares.pool, shares.fee, shares.overrides, shares.affiliate) == (
        1_249,
        124,
        (62, 31),
        1_032,
    )
