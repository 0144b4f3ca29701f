"""The one list of event types an endpoint may subscribe to, and who may subscribe to which.

Admins may subscribe to every type: they receive all of their organisation's events of it. A
vendor may subscribe only to the types that concern a vendor's products and sales, and receives
an event only when it is about one of their own products: its data names the vendor
(`vendor_id`) or a product of theirs (`product_id`). An event of a type not listed here is
never delivered. A type listed but not yet emitted is delivered once something emits it.
"""

from __future__ import annotations

TEST = "webhook.test"  # what the test-send button sends; never subscribed to

EVENT_TYPES: dict[str, str] = {
    "product.submitted": "A product was submitted for vetting.",
    "product.approved": "A product was approved and is in the marketplace.",
    "product.rejected": "A product was rejected, with the reason.",
    "conversion.created": "A sale was reported.",
    "commission.created": "A commission was recorded for a sale.",
    "commission.approved": "A commission was approved.",
    "commission.held": "A commission was held for review (fraud checks).",
    "commission.released": "A held commission was released.",
    "commission.rejected": "A held commission was rejected.",
    "commission.matured": "A commission's refund hold ended: it can be paid.",
    "commission.reversed": "A commission was reversed by a refund before it matured.",
    "commission.clawed_back": "A commission was clawed back by a refund after it matured.",
    "hold.appealed": "An affiliate appealed a hold.",
    "tier.changed": "An affiliate's tier changed.",
    "group.changed": "An affiliate was moved into a group, out of one, or between two.",
    "payout.batch_created": "A payout batch was made.",
    "payout.paid": "A payout was paid.",
    "payout.failed": "A payout failed.",
    "user.invited": "Someone was invited to the organisation.",
    "ledger.checkpoint": "The ledger sealed a new signed checkpoint.",
    "ledger.alarm": "The ledger found its log tampered with and stopped sealing, or a witness"
    " refused a checkpoint that contradicts one it cosigned.",
}

VENDOR_TYPES = frozenset(
    {"product.submitted", "product.approved", "product.rejected", "conversion.created"}
)
ADMIN_TYPES = frozenset(EVENT_TYPES)
