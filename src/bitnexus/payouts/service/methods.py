"""An affiliate's payout method: where their money goes. The details are stored (the batch
export needs them) and never logged; reads show them masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden
from bitnexus.payouts import repository
from bitnexus.payouts.models import Method, PayoutMethod
from bitnexus.payouts.schemas import PayoutMethodRead, PayoutMethodUpdate


def account_of(details: dict[str, Any]) -> str:
    """What identifies the account, masked for screens: an email, or an IBAN's last four."""
    if "iban" in details:
        return f"{details['account_holder']}, IBAN ···· {details['iban'][-4:]}"
    return str(details["email"])


def _read(found: PayoutMethod) -> PayoutMethodRead:
    return PayoutMethodRead(
        method=Method(found.method), account=account_of(found.details), updated_at=found.updated_at
    )


async def get(session: AsyncSession, user: User) -> PayoutMethodRead | None:
    found = await repository.method(session, user.id)
    return _read(found) if found else None


async def put(session: AsyncSession, user: User, body: PayoutMethodUpdate) -> PayoutMethodRead:
    if user.role != Role.affiliate:
        raise Forbidden("Only affiliates are paid out.")
    details = body.details.model_dump(exclude={"method"}, exclude_none=True, mode="json")
    found = await repository.method(session, user.id)
    if found is None:
        found = PayoutMethod(tenant_id=user.tenant_id, user_id=user.id)
        session.add(found)
    found.method, found.details, found.updated_at = body.details.method, details, utcnow()
    await session.flush()
    return _read(found)
