"""Payout routes: an affiliate's method and history; admins' batches, export and settling."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from bitnexus.auth import CurrentPrincipal, TenantAdmin
from bitnexus.core import export
from bitnexus.core.deps import SessionDep
from bitnexus.core.errors import Forbidden, InvalidInput, errors_for
from bitnexus.payouts.errors import (
    BatchNotFound,
    BatchStillOpen,
    ItemNotFound,
    ItemSettled,
    NothingToPay,
)
from bitnexus.payouts.exports import BATCH_COLUMNS, ITEM_COLUMNS
from bitnexus.payouts.schemas import (
    BatchCreate,
    BatchRead,
    BatchSummary,
    ItemRead,
    ItemSettle,
    PayoutMethodRead,
    PayoutMethodUpdate,
    PayoutSettings,
    Preview,
)
from bitnexus.payouts.service import batches, methods

router = APIRouter(prefix="/payouts", tags=["payouts"])
batches_router = APIRouter(prefix="/payout-batches", tags=["payouts"])


@router.get("/method")
async def get_payout_method(
    principal: CurrentPrincipal, session: SessionDep
) -> PayoutMethodRead | None:
    """Where your payouts go (null until you set it)."""
    return await methods.get(session, principal.user)


@router.put("/method", responses=errors_for(Forbidden, InvalidInput))
async def set_payout_method(
    body: PayoutMethodUpdate, principal: CurrentPrincipal, session: SessionDep
) -> PayoutMethodRead:
    """Set where your payouts go: PayPal or Wise (an email) or a bank transfer (IBAN)."""
    return await methods.put(session, principal.user, body)


@router.get("/settings")
async def payout_settings(principal: CurrentPrincipal, session: SessionDep) -> PayoutSettings:
    """The program's payout threshold (an affiliate's group may set its own) and schedule, and
    the next payout day."""
    return await batches.settings_for(session, principal.user, principal.tenant)


@router.get("")
async def my_payouts(principal: CurrentPrincipal, session: SessionDep) -> list[ItemRead]:
    """Your payouts, newest first."""
    return await batches.mine(session, principal.user)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(Forbidden)},
)
async def export_my_payouts(
    principal: CurrentPrincipal,
    session: SessionDep,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """Your payouts as a CSV or XLSX file."""
    rows = export.follow_listed(await batches.mine(session, principal.user))
    name = export.filename("payouts", principal.tenant.slug, fmt)
    return export.response(fmt, ITEM_COLUMNS, rows, name)


@batches_router.get("/preview", responses=errors_for(Forbidden, InvalidInput))
async def preview_batch(
    admin: TenantAdmin, session: SessionDep, currency: str | None = None
) -> Preview:
    """Who a batch made now would pay, and who it would leave out and why."""
    return await batches.preview(session, admin.user, admin.tenant, currency)


@batches_router.post(
    "", status_code=201, responses=errors_for(Forbidden, BatchStillOpen, NothingToPay)
)
async def create_batch(body: BatchCreate, admin: TenantAdmin, session: SessionDep) -> BatchRead:
    """Pay every affiliate at or above the threshold with a payout method their available
    balance (it moves to "in payment" on the ledger until marked paid or failed)."""
    return await batches.create(session, admin.user, admin.tenant, body)


@batches_router.get("")
async def list_batches(admin: TenantAdmin, session: SessionDep) -> list[BatchSummary]:
    return await batches.listed(session, admin.user)


@batches_router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(Forbidden)},
)
async def export_batches(
    admin: TenantAdmin, session: SessionDep, fmt: export.FormatQuery = export.ExportFormat.csv
) -> StreamingResponse:
    """Every payout batch (the list shows the 100 newest) as a CSV or XLSX file."""
    rows = export.follow_listed(await batches.listed(session, admin.user, limit=None))
    name = export.filename("payout-batches", admin.tenant.slug, fmt)
    return export.response(fmt, BATCH_COLUMNS, rows, name)


@batches_router.get(
    "/{batch_id}/items/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(BatchNotFound)},
)
async def export_batch_items(
    batch_id: uuid.UUID,
    admin: TenantAdmin,
    session: SessionDep,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """A batch's payouts, settled or not, as a CSV or XLSX file."""
    batch = await batches.read(session, admin.user, batch_id)
    name = export.filename(f"payouts-batch-{batch.number}", admin.tenant.slug, fmt)
    return export.response(fmt, ITEM_COLUMNS, export.follow_listed(batch.items), name)


@batches_router.get("/{batch_id}", responses=errors_for(BatchNotFound))
async def get_batch(batch_id: uuid.UUID, admin: TenantAdmin, session: SessionDep) -> BatchRead:
    return await batches.read(session, admin.user, batch_id)


@batches_router.get(
    "/{batch_id}/export.csv",
    responses={200: {"content": {"text/csv": {}}}, **errors_for(BatchNotFound)},
    response_class=Response,
)
async def export_batch(batch_id: uuid.UUID, admin: TenantAdmin, session: SessionDep) -> Response:
    """The batch's unsettled payouts as a mass-payout CSV."""
    body = await batches.export_csv(session, admin.user, batch_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payouts-{batch_id}.csv"'},
    )


@batches_router.post(
    "/items/{item_id}/settle", responses=errors_for(ItemNotFound, ItemSettled, InvalidInput)
)
async def settle_item(
    item_id: uuid.UUID, body: ItemSettle, admin: TenantAdmin, session: SessionDep
) -> ItemRead:
    """Mark a payout paid (available → paid) or failed (the money returns to available)."""
    return await batches.settle(session, admin.user, item_id, body)
