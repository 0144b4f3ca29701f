"""Payout batches: an admin pays every affiliate whose available balance has reached the
tenant's threshold and who has a payout method, exports the batch as a mass-payout CSV, and
marks each payout paid or failed.

On the ledger, making the batch moves each amount from `affiliate:{id}:available:{CUR}` to
`affiliate:{id}:payout:{CUR}` (in payment: it can be neither paid twice nor spent on a
clawback); marking it paid moves it on to `affiliate:{id}:paid:{CUR}`, marking it failed
returns it to available. One batch per currency is open at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.commissions import accounts
from bitnexus.commissions.accounts import Earning
from bitnexus.core.db import utcnow
from bitnexus.core.errors import BitnexusError, Forbidden, InvalidInput
from bitnexus.core.money import as_decimal, is_currency
from bitnexus.core.outbox import NewEvent, admins_topic, emit, user_topic
from bitnexus.groups import service as groups
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec, TransactionSpec
from bitnexus.payouts import repository
from bitnexus.payouts.errors import (
    BatchNotFound,
    BatchStillOpen,
    ItemNotFound,
    ItemSettled,
    NothingToPay,
)
from bitnexus.payouts.models import BatchStatus, ItemStatus, Method, PayoutBatch, PayoutItem
from bitnexus.payouts.schemas import (
    BatchCreate,
    BatchRead,
    BatchSummary,
    Candidate,
    ItemRead,
    ItemSettle,
    PayoutSettings,
    Preview,
)
from bitnexus.payouts.service.methods import account_of
from bitnexus.tenants.models import Tenant


def _admin(user: User) -> None:
    if user.role != Role.tenant_admin:
        raise Forbidden("Only admins pay out.")


def next_payout(schedule: str, today: dt.date) -> dt.date | None:
    """The next scheduled payout day: Mondays (weekly), the 1st (monthly), none (manual)."""
    if schedule == "weekly":
        return today + dt.timedelta(days=7 - today.weekday())
    if schedule == "monthly":
        return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return None


async def settings_for(session: AsyncSession, user: User, tenant: Tenant) -> PayoutSettings:
    """The payout terms `user` sees: an affiliate's group may set its own threshold."""
    threshold = tenant.payout_threshold_minor
    if user.role == Role.affiliate:
        threshold = (await _thresholds(session, tenant, [user.id]))[user.id]
    return PayoutSettings(
        threshold_minor=threshold,
        schedule=tenant.payout_schedule,
        currency=tenant.default_currency,
        next_payout=next_payout(tenant.payout_schedule, utcnow().date()),
    )


async def _thresholds(
    session: AsyncSession, tenant: Tenant, ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Each affiliate's payout threshold: their group's where it sets one, else the programme's."""
    own = {
        i: g.payout_threshold_minor
        for i, g in (await groups.groups_of(session, ids)).items()
        if g.payout_threshold_minor is not None
    }
    return {i: own.get(i, tenant.payout_threshold_minor) for i in ids}


async def preview(
    session: AsyncSession, admin: User, tenant: Tenant, currency: str | None
) -> Preview:
    _admin(admin)
    return await _plan(session, tenant, currency)


@dataclass(frozen=True)
class Balance:
    user_id: uuid.UUID
    name: str
    email: str
    amount: int


async def _available_balances(session: AsyncSession, currency: str) -> list[Balance]:
    """Every member's available balance in `currency` that is above zero, largest first."""
    holders = await repository.available_accounts(session, currency)
    amounts = await ledger.balances(session, [h.account_id for h in holders])
    found = [Balance(h.user_id, h.name, h.email, amounts.get(h.account_id, 0)) for h in holders]
    return sorted((b for b in found if b.amount > 0), key=lambda b: (-b.amount, b.name))


async def _plan(session: AsyncSession, tenant: Tenant, currency: str | None) -> Preview:
    cur = (currency or tenant.default_currency).upper()
    if not is_currency(cur):
        raise InvalidInput("currency", "Not an ISO 4217 currency code.")
    balances = await _available_balances(session, cur)
    methods = await repository.methods(session, [b.user_id for b in balances])
    thresholds = await _thresholds(session, tenant, [b.user_id for b in balances])
    candidates = [
        Candidate(
            affiliate_id=b.user_id,
            affiliate_name=b.name,
            available_minor=b.amount,
            method=Method(methods[b.user_id].method) if b.user_id in methods else None,
            threshold_minor=thresholds[b.user_id],
            skipped=(
                "no_payout_method"
                if b.user_id not in methods
                else "below_threshold"
                if b.amount < thresholds[b.user_id]
                else None
            ),
        )
        for b in balances
    ]
    return Preview(
        currency=cur,
        threshold_minor=tenant.payout_threshold_minor,
        candidates=candidates,
        total_minor=sum(c.available_minor for c in candidates if c.skipped is None),
    )


async def create(
    session: AsyncSession, admin: User | None, tenant: Tenant, body: BatchCreate
) -> BatchRead:
    """Pay every eligible affiliate their whole available balance, in one new batch (made by
    an admin, or by the schedule when `admin` is None)."""
    if admin is not None:
        _admin(admin)
    await repository.lock_payouts(session, tenant.id)
    plan = await _plan(session, tenant, body.currency)
    if await repository.open_batch(session, plan.currency) is not None:
        raise BatchStillOpen(f"Settle the open {plan.currency} batch before making another.")
    paying = [c for c in plan.candidates if c.skipped is None]
    if not paying:
        raise NothingToPay(
            f"No affiliate has {plan.currency} available above the threshold and a payout method."
        )
    now = utcnow()
    batch = PayoutBatch(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        number=await repository.next_number(session),
        currency=plan.currency,
        status=BatchStatus.open,
        created_by=admin.id if admin else None,
        created_at=now,
    )
    session.add(batch)
    await session.flush()
    methods = await repository.methods(session, [c.affiliate_id for c in paying])
    made = []
    for n, who in enumerate(paying, start=1):
        chosen = methods[who.affiliate_id]
        made.append(
            PayoutItem(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                batch_id=batch.id,
                affiliate_id=who.affiliate_id,
                amount_minor=who.available_minor,
                currency=plan.currency,
                method=chosen.method,
                details=dict(chosen.details),
                reference=f"BNX-{batch.number}-{n:04d}",
                status=ItemStatus.pending,
                failure_reason="",
                created_at=now,
            )
        )
    session.add_all(made)
    await session.flush()
    await _move(session, tenant.id, made, Earning.available, Earning.payout, "reserve")
    created = {
        "batch_id": batch.id,
        "number": batch.number,
        "currency": batch.currency,
        "items": len(made),
        "total_minor": sum(i.amount_minor for i in made),
    }
    topics = [admins_topic(tenant.id)]
    await emit(session, NewEvent(tenant.id, "payout.batch_created", created, topics))
    return await _read_batch(session, batch.id)


async def made_since(session: AsyncSession, currency: str, since: dt.datetime) -> bool:
    return await repository.batch_since(session, currency, since)


async def _move(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    items: list[PayoutItem],
    source: Earning,
    target: Earning,
    step: str,
) -> None:
    opened = []
    specs = []
    for item in items:
        a = accounts.earnings(item.affiliate_id, source, item.currency)
        b = accounts.earnings(item.affiliate_id, target, item.currency)
        opened += [a, b]
        specs.append(
            TransactionSpec(
                idempotency_key=f"payout:{item.id}:{step}",
                postings=[
                    PostingSpec(a.code, item.amount_minor, item.currency),
                    PostingSpec(b.code, -item.amount_minor, item.currency),
                ],
                description=f"Payout {item.reference}: {step}",
                metadata={"payout": item.reference, "method": item.method},
            )
        )
    await ledger.open_accounts(session, tenant_id, opened)
    for outcome in await ledger.post_transactions(session, tenant_id, specs):
        if isinstance(outcome, BitnexusError):
            raise outcome


async def settle(
    session: AsyncSession, admin: User, item_id: uuid.UUID, body: ItemSettle
) -> ItemRead:
    """Mark a payout paid (available → paid) or failed (its money back to available)."""
    _admin(admin)
    item = await repository.item(session, item_id)
    if item is None:
        raise ItemNotFound()
    if item.status != ItemStatus.pending:
        raise ItemSettled(f"Payout {item.reference} is {item.status} already.")
    paid = body.status == "paid"
    if not paid and not body.failure_reason:
        raise InvalidInput("failure_reason", "Say why the payout failed (the affiliate sees it).")
    item.status = ItemStatus.paid if paid else ItemStatus.failed
    item.failure_reason = "" if paid else body.failure_reason
    item.settled_at = utcnow()
    target = Earning.paid if paid else Earning.available
    await _move(session, item.tenant_id, [item], Earning.payout, target, item.status)
    await session.flush()
    await emit(session, _settled(item))
    if await repository.pending_left(session, item.batch_id) == 0:
        batch = await repository.batch(session, item.batch_id, lock=True)
        assert batch is not None
        batch.status, batch.closed_at = BatchStatus.closed, item.settled_at
    [(found, name)] = [
        (i, n)
        for i, n in await repository.items(session, batch_id=item.batch_id)
        if i.id == item.id
    ]
    return _item(found, name)


def _settled(item: PayoutItem) -> NewEvent:
    """A payout paid or failed: its affiliate hears it, and the admins (the batch moved on)."""
    data = {
        "payout_id": item.id,
        "batch_id": item.batch_id,
        "affiliate_id": item.affiliate_id,
        "reference": item.reference,
        "amount_minor": item.amount_minor,
        "currency": item.currency,
        "reason": item.failure_reason or None,
    }
    topics = [user_topic(item.affiliate_id), admins_topic(item.tenant_id)]
    return NewEvent(item.tenant_id, f"payout.{item.status}", data, topics)


def _item(item: PayoutItem, name: str) -> ItemRead:
    return ItemRead(
        id=item.id,
        batch_id=item.batch_id,
        affiliate_id=item.affiliate_id,
        affiliate_name=name,
        amount_minor=item.amount_minor,
        currency=item.currency,
        method=Method(item.method),
        account=account_of(item.details),
        reference=item.reference,
        status=ItemStatus(item.status),
        failure_reason=item.failure_reason,
        created_at=item.created_at,
        settled_at=item.settled_at,
    )


async def read(session: AsyncSession, admin: User, batch_id: uuid.UUID) -> BatchRead:
    _admin(admin)
    return await _read_batch(session, batch_id)


async def _read_batch(session: AsyncSession, batch_id: uuid.UUID) -> BatchRead:
    batch = await repository.batch(session, batch_id)
    if batch is None:
        raise BatchNotFound()
    rows = await repository.items(session, batch_id=batch.id)
    items = [_item(i, n) for i, n in rows]
    return BatchRead(
        id=batch.id,
        number=batch.number,
        currency=batch.currency,
        status=BatchStatus(batch.status),
        total_minor=sum(i.amount_minor for i in items),
        paid_minor=sum(i.amount_minor for i in items if i.status == ItemStatus.paid),
        failed_minor=sum(i.amount_minor for i in items if i.status == ItemStatus.failed),
        items=items,
        scheduled=batch.created_by is None,
        created_at=batch.created_at,
        closed_at=batch.closed_at,
    )


async def listed(session: AsyncSession, admin: User, limit: int | None = 100) -> list[BatchSummary]:
    """Payout batches, newest first: the `limit` newest (None: every one, for exports)."""
    _admin(admin)
    return [
        BatchSummary(
            id=b.id,
            number=b.number,
            currency=b.currency,
            status=BatchStatus(b.status),
            item_count=n,
            total_minor=total,
            scheduled=b.created_by is None,
            created_at=b.created_at,
        )
        for b, n, total in await repository.batches(session, limit)
    ]


async def mine(session: AsyncSession, user: User) -> list[ItemRead]:
    """An affiliate's payouts, newest first."""
    return await of_affiliate(session, user.id)


async def of_affiliate(session: AsyncSession, affiliate_id: uuid.UUID) -> list[ItemRead]:
    """One affiliate's payouts, newest first (callers check who may see them)."""
    return [_item(i, n) for i, n in await repository.items(session, affiliate_id=affiliate_id)]


CSV_COLUMNS = [
    "reference",
    "affiliate",
    "email",
    "method",
    "recipient",
    "account_holder",
    "iban",
    "bic",
    "amount",
    "currency",
    "note",
]


def _cell(value: str) -> str:
    """No spreadsheet formulas: a cell starting with = + - @ (or a control) is quoted as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def export_csv(session: AsyncSession, admin: User, batch_id: uuid.UUID) -> str:
    """The batch's pending payouts as a mass-payout CSV (one row per payout)."""
    batch = await read(session, admin, batch_id)
    rows = await repository.items(session, batch_id=batch.id)
    emails = await repository.emails(session, [i.affiliate_id for i, _ in rows])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item, name in rows:
        if item.status != ItemStatus.pending:
            continue
        d = item.details
        writer.writerow(
            [
                _cell(v)
                for v in (
                    item.reference,
                    name,
                    emails.get(item.affiliate_id, ""),
                    item.method,
                    str(d.get("email", "")),
                    str(d.get("account_holder", "")),
                    str(d.get("iban", "")),
                    str(d.get("bic", "")),
                    as_decimal(item.amount_minor, item.currency),
                    item.currency,
                    f"Commissions, payout {item.reference}",
                )
            ]
        )
    return out.getvalue()
