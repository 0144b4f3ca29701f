"""What a product shows its affiliate a sale earns: their own rule (a group's) where one decides
it, else the product's, else the organisation's rate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from bitnexus.catalog.commission import OwnRules, commission_for
from bitnexus.catalog.models import Product
from bitnexus.tenants.models import Tenant

PRODUCT = uuid.uuid4()


@dataclass(frozen=True)
class Rule:
    group: str
    bps: int | None
    fixed_minor: int | None


def _only(rule: Rule) -> OwnRules:
    return lambda product_id: rule if product_id == PRODUCT else None


@pytest.mark.parametrize(
    ("product_bps", "own", "shown"),
    [
        pytest.param(2_000, None, ("percent", 2_000, None, 980, None), id="the product's"),
        pytest.param(None, None, ("percent", 1_000, None, 490, None), id="the organisation's"),
        pytest.param(
            2_000,
            _only(Rule("VIP", 3_000, None)),
            ("percent", 3_000, None, 1_470, "VIP"),
            id="a group's rate",
        ),
        pytest.param(
            None,
            _only(Rule("VIP", None, 750)),
            ("fixed", None, 750, 750, "VIP"),
            id="a group's amount",
        ),
        pytest.param(
            2_000,
            lambda _product_id: None,
            ("percent", 2_000, None, 980, None),
            id="a group that does not cover it",
        ),
    ],
)
def test_the_rate_shown_is_the_one_the_sale_earns_by(
    product_bps: int | None, own: OwnRules | None, shown: tuple[object, ...]
) -> None:
    product = Product(id=PRODUCT, price_minor=4_900, commission_bps=product_bps)
    tenant = Tenant(default_commission_bps=1_000)

    c = commission_for(product, tenant, own)

    assert (c.kind, c.bps, c.fixed_minor, c.per_sale_minor, c.group) == shown
