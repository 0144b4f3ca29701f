"""The marketplace's per-sale figure in SQL is `split.pool` of a sale at the list price."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql

from bitnexus.catalog.commission import OwnTerms
from bitnexus.catalog.repository import per_sale
from bitnexus.commissions import split

DEFAULT_BPS = 1_000


def sql_per_sale(
    engine: Engine, price: int, bps: int | None, fixed: int | None, own: OwnTerms | None = None
) -> int:
    """Evaluate `per_sale` in PostgreSQL over one product row (a CTE named like the table)."""
    query = select(per_sale(DEFAULT_BPS, own=own)).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    row = (
        "WITH products (price_minor, commission_bps, commission_fixed_minor) AS ("
        "VALUES (CAST(:price AS bigint), CAST(:bps AS integer), CAST(:fixed AS bigint))) "
    )
    with engine.connect() as conn:
        found = conn.execute(text(row + str(query)), {"price": price, "bps": bps, "fixed": fixed})
        return int(found.scalar_one())


@pytest.mark.parametrize(
    ("price", "bps", "fixed"),
    [
        pytest.param(1_999, 1_500, None, id="percent-rounds-down"),
        pytest.param(12_250, None, None, id="tenant-default-percent"),
        pytest.param(1, 9_999, None, id="one-unit-sale"),
        pytest.param(10**12, 10_000, None, id="whole-price-at-max-amount"),
        pytest.param(10**12 - 1, 3_333, None, id="max-amount-odd-rate"),
        pytest.param(5_000, 0, None, id="zero-percent"),
        pytest.param(5_000, None, 700, id="fixed-below-price"),
        pytest.param(5_000, None, 9_000, id="fixed-above-price-capped"),
        pytest.param(5_000, None, 0, id="fixed-zero"),
    ],
)
def test_the_sql_per_sale_figure_is_the_split_pool(
    app_engine: Engine, price: int, bps: int | None, fixed: int | None
) -> None:
    # given a product's rule (none: the tenant's default percentage)
    if fixed is not None:
        rule = split.Rule(fixed=fixed)
    else:
        rule = split.Rule(bps=DEFAULT_BPS if bps is None else bps)

    # then the SQL's figure is what the split computes for a sale at the list price
    assert sql_per_sale(app_engine, price, bps, fixed) == split.pool(price, rule)


@pytest.mark.parametrize(
    ("price", "own"),
    [
        pytest.param(1_999, OwnTerms("VIP", 3_000, None), id="a group's rate"),
        pytest.param(5_000, OwnTerms("VIP", None, 700), id="a group's amount"),
        pytest.param(5_000, OwnTerms("VIP", None, 9_000), id="a group's amount, capped"),
    ],
)
def test_a_readers_own_terms_replace_the_products_rule(
    app_engine: Engine, price: int, own: OwnTerms
) -> None:
    # given a product paying 15%, read by a member whose group covers every product
    # then the SQL's figure is what their own rule splits at the list price
    assert sql_per_sale(app_engine, price, 1_500, None, own) == split.pool(price, own.rule())
