"""Money helpers: currencies are ISO 4217 codes, amounts are integer minor units."""

from __future__ import annotations

from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, StringConstraints

BPS = 10_000  # basis points in a whole: rates are integers, 250 bps = 2.5%


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def is_currency(code: str) -> bool:
    return code in known_currencies()


def _known(code: str) -> str:
    if not is_currency(code):
        raise ValueError("Not an ISO 4217 currency code.")
    return code


CurrencyShape = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]
"""Three letters, upper-cased: a currency whose code a later rule checks (a reported sale's must
be its product's, which is only looked at once the reporter is authenticated)."""

Currency = Annotated[CurrencyShape, AfterValidator(_known)]
"""A currency in a request: three letters, upper-cased, an ISO 4217 code (checked with the
request's other fields, so a form learns of every mistake at once)."""


@cache
def currency_list() -> tuple[tuple[str, str, int], ...]:
    """Every ISO 4217 currency as (code, name, minor digits), by code: what forms offer."""
    return tuple(sorted((c.alpha_3, c.name, minor_digits(c.alpha_3)) for c in pycountry.currencies))


# ISO 4217 minor units where they are not 2
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_DIGITS = {
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_digits(code: str) -> int:
    """How many decimal places the currency's minor unit has (ISO 4217)."""
    return _DIGITS.get(code, 2)


def as_decimal(minor: int, code: str) -> str:
    """Integer minor units as a plain decimal string, e.g. 4990 USD -> "49.90" (no floats)."""
    digits = minor_digits(code)
    sign, value = ("-" if minor < 0 else ""), abs(minor)
    if digits == 0:
        return f"{sign}{value}"
    whole, frac = divmod(value, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"
