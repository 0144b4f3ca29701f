"""How a sale's commission is computed and shared, in integer math (rule `split-v1`). No I/O.

Given a sale of `amount` minor units and the product's rule, the vendor pays a commission
*pool*:

- percentage rule (`bps`): pool = floor(amount × bps × (10000 + bonus) / 10000²)
- fixed rule (`fixed`):    pool = floor(fixed × (10000 + bonus) / 10000)

where `bonus` is the affiliate's tier bonus in basis points; the pool never exceeds the sale.
The pool is shared out: the platform fee and each upline's referral override (level 1 is the
affiliate's referrer, level 2 theirs, up to level 3) are floor(pool × rate / 10000) each, and
the affiliate gets the rest. Every unit of the pool goes to exactly one party: none is made or
lost, and the rounding only ever favours the affiliate.

A refund that leaves `net` of the original `amount` scales each party's original share to
floor(share × net / amount); the vendor gets back the difference. A full refund (net 0) takes
every share to 0. Every figure here can be recomputed from a ledger entry's metadata alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bitnexus.core.money import BPS

RULE = "split-v1"
MAX_LEVELS = 3


@dataclass(frozen=True, slots=True)
class Rule:
    """A product's commission rule: exactly one of `bps` (percentage) or `fixed` (minor units)."""

    bps: int | None = None
    fixed: int | None = None
    bonus_bps: int = 0

    def __post_init__(self) -> None:
        if (self.bps is None) == (self.fixed is None):
            raise ValueError("give exactly one of bps or fixed")
        if self.bps is not None and not 0 <= self.bps <= BPS:
            raise ValueError("bps must be 0..10000")
        if self.fixed is not None and self.fixed < 0:
            raise ValueError("fixed must not be negative")
        if self.bonus_bps < 0:
            raise ValueError("bonus_bps must not be negative")


@dataclass(frozen=True, slots=True)
class Split:
    """The shares of one pool: affiliate, the overrides by level (1..3), the platform fee."""

    pool: int
    affiliate: int
    overrides: tuple[int, ...]
    fee: int


def pool(amount: int, rule: Rule) -> int:
    """What the vendor pays for a sale of `amount`."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    uplift = BPS + rule.bonus_bps
    if rule.bps is not None:
        owed = amount * rule.bps * uplift // (BPS * BPS)
    else:
        assert rule.fixed is not None
        owed = rule.fixed * uplift // BPS
    return min(owed, amount)


def check_rates(fee_bps: int, override_bps: Sequence[int]) -> None:
    """Rates that leave the affiliate a share: each 0..10000, at most three levels, summing to
    no more than the whole pool."""
    if len(override_bps) > MAX_LEVELS:
        raise ValueError(f"at most {MAX_LEVELS} override levels")
    rates = [fee_bps, *override_bps]
    if any(not 0 <= r <= BPS for r in rates) or sum(rates) > BPS:
        raise ValueError("rates must be 0..10000 and together at most 10000")


def split(pool: int, *, fee_bps: int, override_bps: Sequence[int]) -> Split:
    """Share `pool` among the platform, the uplines (one rate per level present) and the
    affiliate, who gets what the floors leave."""
    check_rates(fee_bps, override_bps)
    if pool < 0:
        raise ValueError("pool must not be negative")
    fee = pool * fee_bps // BPS
    overrides = tuple(pool * rate // BPS for rate in override_bps)
    return Split(pool, pool - fee - sum(overrides), overrides, fee)


def scaled_share(share: int, net: int, amount: int) -> int:
    """One share after a refund leaves `net` of the sale's `amount`."""
    if not 0 <= net <= amount or amount <= 0:
        raise ValueError("need 0 <= net <= amount and amount > 0")
    return share * net // amount
