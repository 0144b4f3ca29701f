"""Fraud holds: rules that hold a sale's commissions for an admin's review, with what each rule
found (`findings`: the admin reads the facts, the affiliate the rule); affiliates appeal, admins
approve or reject, every step is kept.

The rules (each can be tuned or turned off per tenant, see docs/marketplace.md):
- `self_referral`: the customer reference is the affiliate's own email or id, or the buyer's
  address (hashed with the day's salt) is one the affiliate signed in from that day;
- `too_fast`: the sale came sooner after its click than `fraud_min_click_seconds`;
- `shared_address`: more than `fraud_max_sales_per_address` sales from one address in 24 hours;
- `no_click`: a coupon sale whose affiliate has no recorded click on the product in the window.

A held sale's shares sit in `affiliate:{id}:held:{CUR}`. Approving moves them to pending (the
refund hold then runs as usual); rejecting gives the whole commission back to the vendor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.commissions import accounts, hold_repository, repository
from bitnexus.commissions.accounts import Earning
from bitnexus.commissions.errors import HoldClosed, HoldNotFound
from bitnexus.commissions.models import (
    Attribution,
    CommissionState,
    ConversionState,
    FraudHold,
    FraudHoldEvent,
    HoldReason,
    HoldStatus,
    MemberAddress,
)
from bitnexus.commissions.schemas import Appeal, HoldDecision, HoldEventRead, HoldPage, HoldRead
from bitnexus.commissions.service import findings
from bitnexus.commissions.service.findings import Finding
from bitnexus.core.db import utcnow
from bitnexus.core.errors import Forbidden
from bitnexus.core.outbox import NewEvent, admins_topic, emit, user_topic
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.ledger import service as ledger
from bitnexus.ledger.service import PostingSpec
from bitnexus.tenants.models import Tenant
from bitnexus.tracking.models import Click
from bitnexus.tracking.visitors import SALT_DAYS_KEPT, address_hash

SHARED_ADDRESS_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Evidence:
    """What the rules look at for one attributed sale."""

    affiliate: User
    product_id: uuid.UUID
    attribution: Attribution
    click: Click | None
    ip_hash: bytes | None
    ip_day: dt.date | None
    customer_ref: str | None
    window: dt.timedelta
    now: dt.datetime


async def remember_address(session: AsyncSession, user: User, ip: str) -> None:
    """Note the (hashed) address an affiliate signed in from, for the self-referral rule."""
    if user.role != Role.affiliate or not ip:
        return
    now = utcnow()
    await repository.remember_address(
        session,
        MemberAddress(
            tenant_id=user.tenant_id,
            user_id=user.id,
            day=now.astimezone(dt.UTC).date(),
            ip_hash=await address_hash(session, ip, now),
        ),
        forget_before=now.date() - dt.timedelta(days=SALT_DAYS_KEPT),
    )


async def buyer_address(
    session: AsyncSession, click: Click | None, ip: str | None, now: dt.datetime
) -> tuple[bytes | None, dt.date | None]:
    """The buyer's hashed address: the reporting browser's, else the click's."""
    if ip:
        return await address_hash(session, ip, now), now.astimezone(dt.UTC).date()
    if click is not None:
        return click.ip_hash, click.created_at.astimezone(dt.UTC).date()
    return None, None


@dataclass
class Records:
    """What the rules read for a batch of sales, each fact once: the (affiliate, address, day)
    sign-ins among the batch's, and the sales from each of its addresses in the last 24 hours,
    to which the batch's own sales are added as they are decided (`count_sale`)."""

    signed_in: set[tuple[uuid.UUID, bytes, dt.date]]
    sales: Counter[bytes]

    def count_sale(self, ip_hash: bytes | None) -> None:
        if ip_hash is not None:
            self.sales[ip_hash] += 1


async def records(session: AsyncSession, tenant: Tenant, evidence: list[Evidence]) -> Records:
    addressed = [e for e in evidence if e.ip_hash is not None and e.ip_day is not None]
    signed_in = await repository.signed_in_from(
        session,
        {(e.affiliate.id, e.ip_hash, e.ip_day) for e in addressed},  # type: ignore[misc]
    )
    sales: Counter[bytes] = Counter()
    if tenant.fraud_max_sales_per_address and addressed:
        since = min(e.now for e in addressed) - SHARED_ADDRESS_WINDOW
        sales.update(
            await repository.sales_from_addresses(
                session, {e.ip_hash for e in addressed if e.ip_hash is not None}, since
            )
        )
    return Records(signed_in, sales)


async def reasons(
    session: AsyncSession, tenant: Tenant, seen: Evidence, found: Records
) -> list[Finding]:
    """Why the sale is held (none: it is not), with what each rule found, from the batch's
    `records`."""
    held: list[Finding] = []
    ref = (seen.customer_ref or "").strip().lower()
    if ref and ref == seen.affiliate.email.lower():
        held.append(findings.self_referral("email"))
    elif ref and ref == str(seen.affiliate.id):
        held.append(findings.self_referral("account"))
    elif (
        seen.ip_hash is not None
        and seen.ip_day is not None
        and (seen.affiliate.id, seen.ip_hash, seen.ip_day) in found.signed_in
    ):
        held.append(findings.self_referral("address", seen.ip_day.isoformat()))
    fastest = tenant.fraud_min_click_seconds
    if seen.click is not None and fastest:
        after = seen.now - seen.click.created_at
        if after < dt.timedelta(seconds=fastest):
            held.append(findings.too_fast(max(after.total_seconds(), 0.0), fastest))
    most = tenant.fraud_max_sales_per_address
    if seen.ip_hash is not None and most and found.sales[seen.ip_hash] >= most:
        held.append(findings.shared_address(found.sales[seen.ip_hash] + 1, most))
    if (
        seen.attribution == Attribution.coupon
        and tenant.fraud_hold_coupon_without_click
        and not await repository.has_click(
            session, seen.affiliate.id, seen.product_id, seen.now - seen.window
        )
    ):
        held.append(findings.no_click(max(seen.window.days, 1)))
    return held


async def open_hold(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    conversion_id: uuid.UUID,
    affiliate_id: uuid.UUID,
    found: list[Finding],
    now: dt.datetime,
) -> None:
    hold = FraudHold(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        conversion_id=conversion_id,
        affiliate_id=affiliate_id,
        reasons=[f.reason.value for f in found],
        evidence=[f.stored() for f in found],
        status=HoldStatus.open,
        note="",
        created_at=now,
    )
    session.add(hold)
    await session.flush()
    await _event(session, hold, "held", None, ", ".join(hold.reasons), now)


# what each step of a hold is announced as (`core.outbox`)
_ANNOUNCED = {
    "held": "commission.held",
    "appealed": "hold.appealed",
    HoldStatus.approved: "commission.released",
    HoldStatus.rejected: "commission.rejected",
}


async def _event(
    session: AsyncSession,
    hold: FraudHold,
    kind: str,
    actor: uuid.UUID | None,
    message: str,
    now: dt.datetime,
) -> None:
    """Record a step of a hold, and announce it: to the admins (the fraud queue) and, but for
    an appeal (the affiliate's own doing), to the held affiliate."""
    session.add(
        FraudHoldEvent(
            id=uuid.uuid4(),
            tenant_id=hold.tenant_id,
            hold_id=hold.id,
            kind=kind,
            actor_id=actor,
            message=message,
            created_at=now,
        )
    )
    topics = [admins_topic(hold.tenant_id)]
    if kind != "appealed":
        topics.append(user_topic(hold.affiliate_id))
    data = {
        "hold_id": hold.id,
        "conversion_id": hold.conversion_id,
        "affiliate_id": hold.affiliate_id,
        "reasons": list(hold.reasons),
        "message": message,
    }
    await emit(session, NewEvent(hold.tenant_id, _ANNOUNCED[kind], data, topics))


async def _mine(session: AsyncSession, user: User, hold_id: uuid.UUID) -> FraudHold:
    hold = await hold_repository.hold(session, hold_id, lock=True)
    if hold is None or (user.role != Role.tenant_admin and hold.affiliate_id != user.id):
        raise HoldNotFound()
    return hold


async def appeal(session: AsyncSession, user: User, hold_id: uuid.UUID, body: Appeal) -> HoldRead:
    """The held affiliate explains; the admin sees it with the hold."""
    hold = await _mine(session, user, hold_id)
    if hold.affiliate_id != user.id:
        raise HoldNotFound()
    if hold.status != HoldStatus.open:
        raise HoldClosed("This hold has been decided.")
    if hold.appeal is not None:
        raise HoldClosed("You have appealed this hold already.")
    now = utcnow()
    hold.appeal, hold.appealed_at = body.message, now
    await _event(session, hold, "appealed", user.id, body.message, now)
    await session.flush()
    return (await reads(session, user, [hold]))[0]


async def decide(
    session: AsyncSession, admin: User, hold_id: uuid.UUID, body: HoldDecision
) -> HoldRead:
    """Approve (held → pending; the refund hold then runs) or reject (the commission goes back
    to the vendor), in one balanced transaction."""
    if admin.role != Role.tenant_admin:
        raise Forbidden("Only admins decide holds.")
    hold = await _mine(session, admin, hold_id)
    if hold.status != HoldStatus.open:
        raise HoldClosed("This hold has been decided.")
    conversion = await repository.conversion(session, hold.conversion_id, lock=True)
    assert conversion is not None
    now = utcnow()
    approve = body.decision == "approve"
    hold.status = HoldStatus.approved if approve else HoldStatus.rejected
    postings: list[PostingSpec] = []
    opened: list[ledger.AccountSpec] = []
    back = 0
    for share in (await repository.shares_of(session, [conversion.id]))[conversion.id]:
        if share.state != CommissionState.held:
            continue
        left = share.amount_minor - share.reversed_minor
        share.state = CommissionState.pending if approve else CommissionState.rejected
        share.updated_at = now
        if left == 0:
            continue
        if share.beneficiary_id is None:  # the fee: revenue already; given back on rejection
            if not approve:
                fees = accounts.fees(share.currency)
                postings.append(PostingSpec(fees.code, left, share.currency))
                back += left
            continue
        held = accounts.earnings(share.beneficiary_id, Earning.held, share.currency)
        postings.append(PostingSpec(held.code, left, share.currency))
        if approve:
            pending = accounts.earnings(share.beneficiary_id, Earning.pending, share.currency)
            opened.append(pending)
            postings.append(PostingSpec(pending.code, -left, share.currency))
        else:
            back += left
    if back:
        receivable = accounts.receivable(conversion.vendor_id, conversion.currency)
        opened.append(receivable)
        postings.append(PostingSpec(receivable.code, -back, conversion.currency))
    if postings:
        await ledger.open_accounts(session, conversion.tenant_id, opened)
        await ledger.post_transaction(
            session,
            conversion.tenant_id,
            idempotency_key=f"hold:{hold.id}",
            description=f"Hold {hold.status}: order {conversion.order_id}",
            postings=postings,
            metadata={"conversion_id": str(conversion.id), "reasons": list(hold.reasons)},
            reverses=None if approve else conversion.ledger_transaction_id,
        )
    if conversion.state == ConversionState.held:
        conversion.state = ConversionState.pending if approve else ConversionState.rejected
    hold.decided_by, hold.decided_at, hold.note = admin.id, now, body.note
    await _event(session, hold, hold.status, admin.id, body.note, now)
    await session.flush()
    return (await reads(session, admin, [hold]))[0]


async def reads(session: AsyncSession, reader: User, holds: list[FraudHold]) -> list[HoldRead]:
    """Holds as `reader` sees them: an admin reads what each rule found about the buyer (and
    the sale's customer reference); the held affiliate reads the rules in their own words."""
    details = await hold_repository.hold_details(session, [h.id for h in holds])
    to_admin = reader.role == Role.tenant_admin
    out = []
    for hold in holds:
        sale, affiliate_name, title, events = details[hold.id]
        out.append(
            HoldRead(
                id=hold.id,
                conversion_id=hold.conversion_id,
                order_id=sale.order_id,
                customer_ref=sale.customer_ref if to_admin else None,
                affiliate_id=hold.affiliate_id,
                affiliate_name=affiliate_name,
                product_title=title,
                sale_minor=sale.amount_minor,
                pool_minor=sale.pool_minor,
                currency=sale.currency,
                reasons=[HoldReason(r) for r in hold.reasons],
                explained=findings.explained(hold.reasons, hold.evidence, to_admin=to_admin),
                status=HoldStatus(hold.status),
                appeal=hold.appeal,
                appealed_at=hold.appealed_at,
                note=hold.note,
                decided_at=hold.decided_at,
                created_at=hold.created_at,
                events=[HoldEventRead.model_validate(e) for e in events],
            )
        )
    return out


async def hold_counts(
    session: AsyncSession, affiliate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Each of these affiliates' holds so far, counted by status (none: no key)."""
    return await hold_repository.hold_counts(session, affiliate_ids)


async def listed(
    session: AsyncSession,
    user: User,
    *,
    status: HoldStatus | None,
    cursor: str | None,
    limit: int,
    affiliate_id: uuid.UUID | None = None,
) -> HoldPage:
    """The fraud queue (admins: every hold, or one affiliate's; affiliates: their own),
    newest first."""
    if user.role not in (Role.tenant_admin, Role.affiliate):
        raise Forbidden("Only admins and affiliates see holds.")
    rows = await hold_repository.holds(
        session,
        affiliate_id=affiliate_id if user.role == Role.tenant_admin else user.id,
        status=status,
        after=Cursor.decode(cursor),
        limit=limit + 1,
    )
    page, next_cursor = split_page(rows, limit)
    return HoldPage(items=await reads(session, user, page), next_cursor=next_cursor)
