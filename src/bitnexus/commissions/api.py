"""Conversions (vendors' servers and the app), refunds, commissions and earnings, coupons."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from bitnexus.apikeys import service as apikeys
from bitnexus.apikeys.models import Mode, Scope
from bitnexus.auth import CurrentPrincipal
from bitnexus.commissions.deps import SaleCredentials, SaleReporter, record_sale, report_sale
from bitnexus.commissions.errors import (
    ConversionConflict,
    ConversionNotFound,
    CouponNotFound,
    CouponTaken,
    HoldClosed,
    HoldNotFound,
    InvalidReport,
    RefundConflict,
    SubscriptionNotFound,
)
from bitnexus.commissions.exports import COMMISSION_COLUMNS, SALE_COLUMNS
from bitnexus.commissions.models import CommissionState, HoldStatus
from bitnexus.commissions.schemas import (
    Appeal,
    BrowserConversion,
    CommissionSharePage,
    ConversionCreate,
    ConversionPage,
    ConversionRead,
    CouponCreate,
    CouponRead,
    Earnings,
    HoldDecision,
    HoldPage,
    HoldRead,
    LeadCreate,
    RefundCreate,
    RefundRead,
    SubscriptionRead,
    TierRead,
)
from bitnexus.commissions.service import (
    conversions,
    coupons,
    earnings,
    fraud,
    refunds,
    subscriptions,
    tiers,
)
from bitnexus.commissions.service.conversions import Reporter
from bitnexus.core import export
from bitnexus.core.deps import SessionDep, get_database
from bitnexus.core.errors import (
    BadRequest,
    BitnexusError,
    FieldError,
    Forbidden,
    InvalidInput,
    Unauthorized,
    errors_for,
)

router = APIRouter(prefix="/conversions", tags=["conversions"])
commissions_router = APIRouter(prefix="/commissions", tags=["conversions"])
coupons_router = APIRouter(prefix="/coupons", tags=["conversions"])
sdk_router = APIRouter(prefix="/sdk", tags=["conversions"])
holds_router = APIRouter(prefix="/fraud-holds", tags=["conversions"])
leads_router = APIRouter(prefix="/leads", tags=["conversions"])

PageLimit = Annotated[int, Query(ge=1, le=100)]
StateFilter = Annotated[
    CommissionState | None, Query(description="Only commissions in this state.")
]
EXPORT_ERRORS = {**export.EXPORT_RESPONSE, **errors_for(Forbidden, BadRequest)}


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "This order was reported before: the original conversion"},
        **errors_for(Unauthorized, Forbidden, InvalidInput, ConversionConflict),
    },
)
async def report_conversion(
    body: ConversionCreate, credentials: SaleCredentials, request: Request, response: Response
) -> ConversionRead:
    """Report a sale (vendors). Safe to retry: the same order with the same content returns the
    original with 200; other content for the same order is a 409 with both digests."""
    read, created = await report_sale(request, credentials, body)
    if not created:
        response.status_code = 200
    return read


@leads_router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "This lead was reported before: the original conversion"},
        **errors_for(Unauthorized, Forbidden, InvalidInput, ConversionConflict),
    },
)
async def report_lead(
    body: LeadCreate, credentials: SaleCredentials, request: Request, response: Response
) -> ConversionRead:
    """Report a lead, a sign-up (vendors): attributed like a sale, it earns the organisation's
    fixed lead reward. Safe to retry by `lead_id`, as sales are by order id."""
    read, created = await report_sale(request, credentials, body)
    if not created:
        response.status_code = 200
    return read


@router.get("/subscriptions/{subscription_id}", responses=errors_for(SubscriptionNotFound))
async def get_subscription(
    subscription_id: Annotated[str, PathParam(min_length=1, max_length=100)],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> SubscriptionRead:
    """A subscription (your id for it) with its first sale and renewals (vendors, admins)."""
    return await subscriptions.get(session, principal.user, subscription_id)


@router.get("", responses=errors_for(Forbidden, BadRequest))
async def list_conversions(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: str | None = None,
    limit: PageLimit = 50,
) -> ConversionPage:
    """Your sales with their commission and state, newest first (admins: every vendor's)."""
    return await conversions.listed(session, principal.user, cursor=cursor, limit=limit)


@router.get("/export", response_class=StreamingResponse, responses=EXPORT_ERRORS)
async def export_conversions(
    principal: CurrentPrincipal,
    session: SessionDep,
    db: export.DatabaseDep,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """Your sales (admins: every vendor's) as a CSV or XLSX file, every page of the list."""

    async def page(s: AsyncSession, cursor: str | None) -> ConversionPage:
        return await conversions.listed(s, principal.user, cursor=cursor, limit=export.PAGE)

    rows = await export.rows(session, db, principal.tenant.id, page)
    name = export.filename("sales", principal.tenant.slug, fmt)
    return export.response(fmt, SALE_COLUMNS, rows, name)


@router.get("/{conversion_id}", responses=errors_for(ConversionNotFound))
async def get_conversion(
    conversion_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ConversionRead:
    return await conversions.get(session, principal.user, conversion_id)


@router.post(
    "/{conversion_id}/refunds",
    status_code=201,
    responses={
        200: {"description": "This refund id was used before: the original refund"},
        **errors_for(ConversionNotFound, InvalidInput, RefundConflict, Forbidden),
    },
)
async def refund_conversion(
    conversion_id: uuid.UUID,
    body: RefundCreate,
    reporter: SaleReporter,
    session: SessionDep,
    response: Response,
) -> RefundRead:
    """Refund part or all of a sale (its vendor, or an admin in the app). Inside the refund
    hold the commission is reversed; after it, clawed back from available earnings."""
    read, created = await refunds.refund(session, reporter, conversion_id, body)
    if not created:
        response.status_code = 200
    return read


@commissions_router.get("", responses=errors_for(BadRequest))
async def list_commissions(
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateFilter = None,
    cursor: str | None = None,
    limit: PageLimit = 50,
) -> CommissionSharePage:
    """Your commissions and referral overrides, newest first (admins: everyone's)."""
    return await earnings.commissions(
        session, principal.user, state=state, cursor=cursor, limit=limit
    )


@commissions_router.get("/export", response_class=StreamingResponse, responses=EXPORT_ERRORS)
async def export_commissions(
    principal: CurrentPrincipal,
    session: SessionDep,
    db: export.DatabaseDep,
    state: StateFilter = None,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """Your commissions (admins: everyone's) as a CSV or XLSX file, with the list's filters."""

    async def page(s: AsyncSession, cursor: str | None) -> CommissionSharePage:
        return await earnings.commissions(
            s, principal.user, state=state, cursor=cursor, limit=export.PAGE
        )

    rows = await export.rows(session, db, principal.tenant.id, page)
    name = export.filename("commissions", principal.tenant.slug, fmt)
    return export.response(fmt, COMMISSION_COLUMNS, rows, name)


@commissions_router.get("/tier", responses=errors_for(Forbidden))
async def my_tier(principal: CurrentPrincipal, session: SessionDep) -> TierRead:
    """Your tier, the trailing 90-day approved earnings it rests on, the ladder, and your tier
    changes."""
    return await tiers.mine(session, principal.user, principal.tenant)


@commissions_router.get("/balances")
async def my_balances(principal: CurrentPrincipal, session: SessionDep) -> list[Earnings]:
    """Your earnings by state and currency, from your ledger accounts."""
    return await earnings.balances(session, principal.user, principal.tenant.default_currency)


@holds_router.get("", responses=errors_for(Forbidden, BadRequest))
async def list_holds(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: HoldStatus | None = None,
    cursor: str | None = None,
    limit: PageLimit = 50,
) -> HoldPage:
    """The fraud queue (admins: every hold; affiliates: their own), newest first."""
    return await fraud.listed(session, principal.user, status=status, cursor=cursor, limit=limit)


@holds_router.post("/{hold_id}/appeal", responses=errors_for(HoldNotFound, HoldClosed))
async def appeal_hold(
    hold_id: uuid.UUID, body: Appeal, principal: CurrentPrincipal, session: SessionDep
) -> HoldRead:
    """Explain a held sale (the affiliate it is held for, once, while it is open)."""
    return await fraud.appeal(session, principal.user, hold_id, body)


@holds_router.post("/{hold_id}/decision", responses=errors_for(Forbidden, HoldNotFound, HoldClosed))
async def decide_hold(
    hold_id: uuid.UUID, body: HoldDecision, principal: CurrentPrincipal, session: SessionDep
) -> HoldRead:
    """Approve (the commission goes to pending) or reject (back to the vendor); admins."""
    return await fraud.decide(session, principal.user, hold_id, body)


@coupons_router.post(
    "", status_code=201, responses=errors_for(Forbidden, InvalidInput, CouponTaken)
)
async def create_coupon(
    body: CouponCreate, principal: CurrentPrincipal, session: SessionDep
) -> CouponRead:
    """Assign a coupon code to an affiliate for one of your products (vendors, admins)."""
    return await coupons.create(session, principal.user, body)


@coupons_router.get("")
async def list_coupons(principal: CurrentPrincipal, session: SessionDep) -> list[CouponRead]:
    """Your products' coupons (vendors), your own (affiliates), every one (admins)."""
    return await coupons.listed(session, principal.user)


@coupons_router.delete("/{coupon_id}", status_code=204, responses=errors_for(CouponNotFound))
async def revoke_coupon(
    coupon_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> None:
    """Stop a coupon code from attributing sales (kept for the record)."""
    await coupons.revoke(session, principal.user, coupon_id)


MAX_REPORT_BYTES = 4096
SDK_SCRIPT = (Path(__file__).parent / "sdk" / "bnx.js").read_bytes()


@sdk_router.post(
    "/conversions",
    status_code=201,
    responses={
        200: {"description": "This order was reported before: the original conversion"},
        **errors_for(Unauthorized, Forbidden, InvalidReport, ConversionConflict),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": BrowserConversion.model_json_schema()}},
        }
    },
)
async def report_from_browser(request: Request, response: Response) -> ConversionRead:
    """A sale reported by `/sdk/bnx.js` from the vendor's thank-you page: a browser key
    (scope conversions:browser), accepted only from a page on one of the vendor's products'
    sites. Sent as text/plain so that browsers send it without a preflight."""
    origin = request.headers.get("origin")
    page = origin or request.headers.get("referer")  # an Origin of "null" stays "null"
    # The page may read the answer only once its origin is known to be on the key's vendor's
    # site: an error before that (a bad body, a bad key, another site, `null`) names no origin.
    cors = {"Vary": "Origin"}
    try:
        raw = await request.body()
        if len(raw) > MAX_REPORT_BYTES:
            raise InvalidReport(errors=[FieldError("body", "At most 4 KB.")])
        try:
            body = BrowserConversion.model_validate_json(raw)
        except ValidationError as exc:
            raise InvalidReport(
                "The report has invalid fields.",
                errors=[
                    FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
                    for e in exc.errors()
                ],
            ) from exc
        key = body.key

        async def reporter_of(session: AsyncSession) -> Reporter:
            caller = await apikeys.authenticate(session, key, Scope.conversions_browser)
            await conversions.check_origin(session, caller.user, page)
            if origin:
                cors["Access-Control-Allow-Origin"] = origin
            return Reporter(
                caller.tenant,
                caller.user,
                "browser",
                test=caller.key.mode == Mode.test,
                ip=request.client.host if request.client else None,
            )

        sale = ConversionCreate.model_validate(body.model_dump(exclude={"key"}))
        read, created = await record_sale(get_database(request), reporter_of, sale)
    except BitnexusError as exc:
        exc.headers.update(cors)
        raise
    response.headers.update(cors)
    if not created:
        response.status_code = 200
    return read


async def sdk_script(request: StarletteRequest) -> StarletteResponse:
    return StarletteResponse(
        SDK_SCRIPT,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


SDK_ROUTES = [Route("/sdk/bnx.js", sdk_script, methods=["GET", "HEAD"])]
