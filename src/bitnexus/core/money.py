"""Money helpers: currencies are ISO 4217 codes, amounts are integer minor units."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def is_currency(code: str) -> bool:
    return code in known_currencies()
