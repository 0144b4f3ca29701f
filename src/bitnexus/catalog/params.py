"""The marketplace's filters as query parameters, as its listing and its search take them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from bitnexus.catalog.models import Grade
from bitnexus.catalog.repository import MarketFilter
from bitnexus.catalog.schemas import MAX_AMOUNT
from bitnexus.core.money import CurrencyShape

Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
Category = Annotated[str, Field(max_length=60)]  # a product's at most; empty: any


class MarketQuery(BaseModel):
    """Products of a category, in a currency (the amounts' currency: three letters, and a code
    no product has matches none, as a category none has), priced within a range, paying at least
    a commission per sale (amounts in minor units), of some grades."""

    category: Category | None = None
    currency: CurrencyShape | None = None
    min_price: Amount | None = None
    max_price: Amount | None = None
    min_commission: Amount | None = None
    grade: list[Grade] | None = None

    def filter(self) -> MarketFilter:
        return MarketFilter(
            category=self.category or None,
            currency=self.currency,
            min_price=self.min_price,
            max_price=self.max_price,
            min_commission=self.min_commission,
            grades=[g.value for g in self.grade or []],
        )
