"""Who may join which topic: a user their own `user:{id}`, anyone of an organisation its
`tenant:{id}`, its admins `admins:{id}`, and `ledger:{id}` whoever may follow its whole ledger
(the ledger's own rule, the one its SSE stream applies)."""

from __future__ import annotations

import uuid

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.core.outbox import topic_parts
from bitnexus.ledger import service as ledger
from bitnexus.realtime.protocol import BadMessage, Ref


def check(principal: Principal, topic: str, ref: Ref = None) -> None:
    """Nothing if `principal` may hear `topic`; else `BadMessage` (`unknown_topic` for a name
    no event is ever sent to, `forbidden` for one this caller may not see)."""
    parts = topic_parts(topic)
    if parts is None:
        raise BadMessage(
            "unknown_topic", "Topics are user:<id>, tenant:<id>, admins:<id> or ledger:<id>.", ref
        )
    if not allowed(principal, *parts):
        raise BadMessage("forbidden", f"You may not join {topic}.", ref)


def allowed(principal: Principal, kind: str, ident: uuid.UUID) -> bool:
    if kind == "user":
        return ident == principal.user.id
    if ident != principal.tenant.id:
        return False
    if kind == "admins":
        return principal.role is Role.tenant_admin
    if kind == "ledger":
        return ledger.may_follow(principal.restricted_to)
    return kind == "tenant"
