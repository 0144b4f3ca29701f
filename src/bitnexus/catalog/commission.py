"""What a product pays an affiliate for a sale, as the catalog shows, sorts and filters it: the
product's rule (or the organisation's rate), or the reader's own terms where they decide the
reader's sales (an affiliate's group's). The arithmetic is `commissions.split`'s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bitnexus.catalog.schemas import CommissionRead
from bitnexus.catalog.shown import ProductFacts
from bitnexus.commissions import split
from bitnexus.tenants.models import Tenant


@dataclass(frozen=True)
class OwnTerms:
    """A reader's own commission rule (their group's): a rate or a fixed amount, or neither
    (then products keep theirs), over `product_ids` (none listed: every product)."""

    group: str
    bps: int | None
    fixed_minor: int | None
    product_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def has_rule(self) -> bool:
        return self.bps is not None or self.fixed_minor is not None

    def covers(self, product_id: uuid.UUID) -> bool:
        """Whether this rule, not the product's, decides the reader's sale of the product."""
        return self.has_rule and (not self.product_ids or product_id in self.product_ids)

    def rule(self, bonus_bps: int = 0) -> split.Rule:
        return split.Rule(bps=self.bps, fixed=self.fixed_minor, bonus_bps=bonus_bps)


def commission_of(product: ProductFacts, tenant: Tenant) -> CommissionRead:
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


def commission_for(
    product: ProductFacts, tenant: Tenant, own: OwnTerms | None = None
) -> CommissionRead:
    """What a sale of `product` earns its reader: by their own terms where they cover it,
    else by the product's rule (or the organisation's rate)."""
    if own is None or not own.covers(product.id):
        return commission_of(product, tenant)
    return CommissionRead(
        kind="percent" if own.bps is not None else "fixed",
        bps=own.bps,
        fixed_minor=own.fixed_minor,
        per_sale_minor=split.pool(product.price_minor, own.rule()),
        is_default=False,
        group=own.group,
    )
