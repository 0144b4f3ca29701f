"""What a product pays an affiliate for a sale, as the catalog shows it: the product's rule (or
the organisation's rate), or the caller's own where one decides their sales (an affiliate's
group's). The arithmetic is `commissions.split`'s."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from bitnexus.catalog.models import Product
from bitnexus.catalog.schemas import CommissionRead
from bitnexus.commissions import split
from bitnexus.tenants.models import Tenant


class OwnRule(Protocol):
    """A rule a caller's sales of a product earn by instead of the product's (an affiliate's
    group's): its group's name, and a rate or a fixed amount."""

    @property
    def group(self) -> str: ...
    @property
    def bps(self) -> int | None: ...
    @property
    def fixed_minor(self) -> int | None: ...


# the caller's own rule for a product, where one decides it
OwnRules = Callable[[uuid.UUID], OwnRule | None]


def _own_commission(product: Product, own: OwnRule) -> CommissionRead:
    rule = split.Rule(bps=own.bps, fixed=own.fixed_minor)
    return CommissionRead(
        kind="percent" if own.bps is not None else "fixed",
        bps=own.bps,
        fixed_minor=own.fixed_minor,
        per_sale_minor=split.pool(product.price_minor, rule),
        is_default=False,
        group=own.group,
    )


def commission_of(product: Product, tenant: Tenant) -> CommissionRead:
    if product.commission_fixed_minor is not None:
        return CommissionRead(
            kind="fixed",
            bps=None,
            fixed_minor=product.commission_fixed_minor,
            per_sale_minor=split.pool(
                product.price_minor, split.Rule(fixed=product.commission_fixed_minor)
            ),
            is_default=False,
        )
    bps = product.commission_bps
    effective = tenant.default_commission_bps if bps is None else bps
    return CommissionRead(
        kind="percent",
        bps=effective,
        fixed_minor=None,
        per_sale_minor=split.pool(product.price_minor, split.Rule(bps=effective)),
        is_default=bps is None,
    )


def commission_for(product: Product, tenant: Tenant, own: OwnRules | None = None) -> CommissionRead:
    """What a sale of `product` earns its affiliate: their own rule where `own` gives one, else
    the product's (or the organisation's rate)."""
    mine = own(product.id) if own is not None else None
    return commission_of(product, tenant) if mine is None else _own_commission(product, mine)
