"""What a product shows its affiliate a sale earns: their own rule (a group's) where one decides
it, else the product's, else the organisation's rate."""

from __future__ import annotations

import uuid

import pytest

from bitnexus.catalog.commission import OwnTerms, commission_for
from bitnexus.catalog.models import Product
from bitnexus.tenants.models import Tenant

PRODUCT = uuid.uuid4()


@pytest.mark.parametrize(
    ("product_bps", "own", "shown"),
    [
        pytest.param(2_000, None, ("percent", 2_000, None, 980, None), id="the product's"),
        pytest.param(None, None, ("percent", 1_000, None, 490, None), id="the organisation's"),
        pytest.param(
            2_000,
            OwnTerms("VIP", 3_000, None, frozenset({PRODUCT})),
            ("percent", 3_000, None, 1_470, "VIP"),
            id="a group's rate",
        ),
        pytest.param(
            None,
            OwnTerms("VIP", None, 750),
            ("fixed", None, 750, 750, "VIP"),
            id="a group's amount",
        ),
        pytest.param(
            2_000,
            OwnTerms("VIP", 3_000, None, frozenset({uuid.uuid4()})),
            ("percent", 2_000, None, 980, None),
            id="a group that does not cover it",
        ),
    ],
)
def test_the_rate_shown_is_the_one_the_sale_earns_by(
    product_bps: int | None, own: OwnTerms | None, shown: tuple[object, ...]
) -> None:
    product = Product(id=PRODUCT, price_minor=4_900, commission_bps=product_bps)
    tenant = Tenant(default_commission_bps=1_000)

    c = commission_for(product, tenant, own)

    assert (c.kind, c.bps, c.fixed_minor, c.per_sale_minor, c.group) == shown
