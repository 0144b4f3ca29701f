"""Ledger routes: the tenant's verifier and witness keys and its tlog-tiles log (public), and
its ledger for tenant admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.service import users
from bitnexus.apikeys.deps import LedgerReader, ledger_key_of
from bitnexus.auth import (
    CurrentPrincipal,
    Principal,
    ReadPrincipal,
    ReadSessionDep,
    ReadTenantAdmin,
    TenantAdmin,
    current_principal,
    still_allowed,
)
from bitnexus.core import export
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Forbidden, Unauthorized, errors_for
from bitnexus.core.inputs import Natural
from bitnexus.ledger import explorer, service, signing, stream, tiles, witnessing
from bitnexus.ledger.errors import (
    AccountNotFound,
    BlockNotFound,
    NotYetSealed,
    SigningKeyUnavailable,
    TileNotFound,
    TransactionNotFound,
)
from bitnexus.ledger.exports import statement_columns
from bitnexus.ledger.schemas import (
    AccountRead,
    AlarmRead,
    AlarmReport,
    BlockDetail,
    BlockPage,
    ConsistencyProofRead,
    InclusionProofRead,
    MirrorEntries,
    SigningKeyRead,
    StatementPage,
    TransactionPage,
    TransactionRead,
)
from bitnexus.tenants import service as tenants
from bitnexus.tenants.errors import TenantNotFound
from bitnexus.tenants.models import Tenant

router = APIRouter(prefix="/ledger", tags=["ledger"])
mirror_router = APIRouter(prefix="/ledger/mirror", tags=["ledger mirror"])
public_router = APIRouter(prefix="/public/tenants", tags=["public"])

Size = Annotated[int, Query(ge=0, le=2**62)]


@public_router.get(
    "/{slug}/ledger/verifier-key",
    response_class=PlainTextResponse,
    responses=errors_for(TenantNotFound, SigningKeyUnavailable),
)
async def get_verifier_key(slug: str, session: SessionDep, settings: SettingsDep) -> str:
    """The keys that verify this organisation's ledger checkpoints (C2SP signed-note vkeys),
    one per line: the current key first, then retired keys that signed older checkpoints."""
    tenant = await tenants.enter_by_slug(session, slug.lower(), allow_suspended=True)
    found = await signing.published_keys(session, settings, tenant.id, tenant.slug)
    return "".join(f"{key.verifier_key}\n" for key in found)


@public_router.get(
    "/{slug}/ledger/witness-keys",
    response_class=PlainTextResponse,
    responses=errors_for(TenantNotFound),
)
async def get_witness_keys(slug: str, session: SessionDep, settings: SettingsDep) -> str:
    """The cosignature/v1 keys of the witnesses this organisation's checkpoints are pushed to,
    one per line (none: empty). Pin keys obtained elsewhere to trust nothing this server says."""
    await tenants.enter_by_slug(session, slug.lower(), allow_suspended=True)
    return "".join(f"{key}\n" for key in witnessing.witness_keys(settings))


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **errors_for(Forbidden)},
)
async def stream_ledger(
    principal: CurrentPrincipal,
    request: Request,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-Sent Events of new blocks and transactions as they are announced (resumes from
    Last-Event-ID; a new subscriber starts from now)."""
    if not service.may_follow(principal.restricted_to):
        raise Forbidden("Your role does not allow this.")
    after = stream.parse_last_event_id(last_event_id)
    db, token = request.app.state.db, request.headers["authorization"].partition(" ")[2]
    may_follow = still_allowed(db, settings, token, rule=_follows)
    return StreamingResponse(
        stream.events(
            request.app.state.events,
            db,
            principal.tenant.id,
            after,
            request.is_disconnected,
            may_follow,
            settings.stream_recheck_seconds,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _follows(principal: Principal) -> bool:
    return service.may_follow(principal.restricted_to)


@router.get("/blocks", responses=errors_for(Forbidden, BadRequest))
async def list_blocks(
    _admin: ReadTenantAdmin,
    session: ReadSessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BlockPage:
    """Sealed blocks (signed checkpoints), newest first."""
    return await explorer.blocks(session, cursor, limit)


@router.get("/blocks/{height}", responses=errors_for(Forbidden, BlockNotFound))
async def get_block(
    height: Natural, _admin: ReadTenantAdmin, session: ReadSessionDep
) -> BlockDetail:
    """One block: its signed checkpoint, witness cosignatures and the transactions it sealed
    (`first_seq` up to `tree_size`, listed by `GET /transactions`)."""
    return await explorer.block(session, height)


@router.get("/transactions", responses=errors_for(Forbidden, BadRequest))
async def list_transactions(
    _admin: ReadTenantAdmin,
    session: ReadSessionDep,
    from_seq: Size = 0,
    to_seq: Size | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TransactionPage:
    """The tenant's transactions with `from_seq <= seq < to_seq`, newest first."""
    return await explorer.transactions(session, from_seq, to_seq, cursor, limit)


@router.get("/accounts")
async def list_accounts(principal: ReadPrincipal, session: ReadSessionDep) -> list[AccountRead]:
    """Ledger accounts with balances: all for tenant admins, your own for everyone else."""
    return await explorer.accounts(session, principal.restricted_to, users.names)


@router.get("/accounts/{code}/statement", responses=errors_for(AccountNotFound, BadRequest))
async def get_statement(
    code: str,
    principal: ReadPrincipal,
    session: ReadSessionDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StatementPage:
    """An account's postings, newest first, with the running balance after each."""
    return await explorer.statement(
        session, code, principal.restricted_to, cursor, limit, users.names
    )


@router.get(
    "/accounts/{code}/statement/export",
    response_class=StreamingResponse,
    responses={**export.EXPORT_RESPONSE, **errors_for(AccountNotFound, BadRequest)},
)
async def export_statement(
    code: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    db: export.DatabaseDep,
    fmt: export.FormatQuery = export.ExportFormat.csv,
) -> StreamingResponse:
    """An account's statement as a CSV or XLSX file: every posting, newest first."""

    async def page(s: AsyncSession, cursor: str | None) -> StatementPage:
        return await explorer.statement(
            s, code, principal.restricted_to, cursor, export.PAGE, users.names
        )

    first = await page(session, None)
    rows = export.follow(db, principal.tenant.id, first, page)
    name = export.filename("statement", principal.tenant.slug, fmt)
    return export.response(fmt, statement_columns(first.account.currency), rows, name)


@router.get("/transactions/{transaction_id}", responses=errors_for(TransactionNotFound))
async def get_transaction(
    transaction_id: uuid.UUID, principal: ReadPrincipal, session: ReadSessionDep
) -> TransactionRead:
    """A ledger transaction with its postings and leaf index (yours, or any for admins)."""
    return await explorer.transaction(session, transaction_id, principal.restricted_to, users.names)


@router.get(
    "/transactions/{transaction_id}/inclusion",
    responses=errors_for(TransactionNotFound, BlockNotFound, NotYetSealed),
)
async def get_inclusion_proof(
    transaction_id: uuid.UUID,
    principal: ReadPrincipal,
    session: ReadSessionDep,
    tree_size: Size | None = None,
) -> InclusionProofRead:
    """Inclusion proof against a checkpoint (default: the latest)."""
    return await explorer.inclusion(session, transaction_id, tree_size, principal.restricted_to)


@router.get(
    "/transactions/{transaction_id}/receipt",
    response_class=PlainTextResponse,
    responses=errors_for(TransactionNotFound, NotYetSealed),
)
async def get_receipt(
    transaction_id: uuid.UUID, principal: ReadPrincipal, session: ReadSessionDep
) -> str:
    """A self-contained receipt (c2sp.org/tlog-proof@v1) to keep and verify offline."""
    return await explorer.receipt(session, transaction_id, principal.restricted_to)


@router.get("/consistency", responses=errors_for(Forbidden, BlockNotFound, BadRequest))
async def get_consistency_proof(
    _admin: ReadTenantAdmin, session: ReadSessionDep, from_size: Size, to_size: Size
) -> ConsistencyProofRead:
    """Consistency proof between two checkpoints."""
    return await explorer.consistency(session, from_size, to_size)


@router.get("/signing-keys", responses=errors_for(Forbidden, SigningKeyUnavailable))
async def list_signing_keys(
    admin: TenantAdmin, session: SessionDep, settings: SettingsDep
) -> list[SigningKeyRead]:
    """The keys that sign (current) and signed (retired) the organisation's checkpoints."""
    found = await signing.published_keys(session, settings, admin.tenant.id, admin.tenant.slug)
    return [SigningKeyRead.of(key, current=i == 0) for i, key in enumerate(found)]


@router.get("/alarms", responses=errors_for(Forbidden))
async def list_alarms(_admin: ReadTenantAdmin, session: ReadSessionDep) -> list[AlarmRead]:
    """Alarms raised about the tenant's log by its mirrors, witnesses (a refused checkpoint,
    with both checkpoints as evidence) and sealer, newest first."""
    return await explorer.alarms(session)


@mirror_router.get(
    "/checkpoint", response_class=PlainTextResponse, responses=errors_for(BlockNotFound)
)
async def mirror_checkpoint(_reader: LedgerReader, session: SessionDep) -> str:
    """The newest signed checkpoint with its cosignatures (API key with `ledger:read`)."""
    return await explorer.latest_checkpoint(session)


@mirror_router.get("/entries")
async def mirror_entries(
    _reader: LedgerReader,
    session: SessionDep,
    start: Size = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> MirrorEntries:
    """Leaves from index `start` on, in order (API key with `ledger:read`)."""
    return await explorer.entries(session, start, limit)


@mirror_router.post("/alarms", status_code=201)
async def mirror_report_alarm(
    report: AlarmReport, reader: LedgerReader, session: SessionDep
) -> AlarmRead:
    """A mirror reports evidence that the log misbehaved; tenant admins see it at once."""
    return await explorer.report_alarm(session, reader.tenant.id, reader.key.id, report)


# ---- the public log, C2SP tlog-tiles: checkpoint and hash tiles for anyone, entries for members

LOG = "/{slug}/ledger/log"
OCTETS = "application/octet-stream"
_TILE_ANSWERS = {200: {"content": {OCTETS: {}}}, **errors_for(BadRequest, TileNotFound)}
# public, static-like resources: any auditor's web page may read them
_PUBLIC = {"Access-Control-Allow-Origin": "*"}
_bearer = HTTPBearer(
    auto_error=False,
    description="A tenant admin's access token, or an API key with scope ledger:read",
)


async def whole_ledger_reader(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Tenant:
    """The tenant whose every entry the caller may read: a mirror's `ledger:read` API key, or a
    member who sees the whole ledger (a tenant admin)."""
    key = await ledger_key_of(session, credentials)
    if key is not None:
        return key.tenant
    principal = await current_principal(session, settings, credentials)
    if not service.may_follow(principal.restricted_to):
        raise Forbidden("Your role does not allow reading every entry of the ledger.")
    return principal.tenant


WholeLedgerReader = Annotated[Tenant, Depends(whole_ledger_reader)]


@public_router.get(
    LOG + "/checkpoint",
    response_class=PlainTextResponse,
    responses=errors_for(TenantNotFound, TileNotFound),
)
async def get_log_checkpoint(slug: str, session: SessionDep) -> PlainTextResponse:
    """The log's latest signed checkpoint with its witness cosignatures (tlog-tiles)."""
    await tenants.enter_by_slug(session, slug.lower(), allow_suspended=True)
    return PlainTextResponse(
        await tiles.checkpoint(session),
        headers={"Cache-Control": tiles.CHECKPOINT_CACHE, **_PUBLIC},
    )


@public_router.get(
    LOG + "/tile/entries/{path:path}",
    response_class=Response,
    responses={**_TILE_ANSWERS, **errors_for(TenantNotFound, Unauthorized, Forbidden)},
)
async def get_log_entries(
    slug: str,
    path: str,
    reader: WholeLedgerReader,
    session: SessionDep,
    accept_encoding: Annotated[str | None, Header()] = None,
) -> Response:
    """An entry bundle `<N>[.p/<W>]`: the leaves, each after its big-endian uint16 length
    (a tenant admin, or an API key with scope ledger:read); gzip when accepted."""
    if reader.slug != slug.lower():
        raise TenantNotFound(f"No organisation is called '{slug}'.")
    bundle = await tiles.entry_bundle(session, tiles.parse_index(path, 0))
    body, headers = tiles.gzipped(bundle, accept_encoding)
    return Response(
        body, media_type=OCTETS, headers={"Cache-Control": tiles.ENTRIES_CACHE, **headers}
    )


@public_router.get(
    LOG + "/tile/{level}/{path:path}",
    response_class=Response,
    responses={**_TILE_ANSWERS, **errors_for(TenantNotFound)},
)
async def get_log_tile(slug: str, level: str, path: str, session: SessionDep) -> Response:
    """A hash tile `<L>/<N>[.p/<W>]`: up to 256 hashes of tree level 8L (no amounts, public)."""
    address = tiles.parse_tile(level, path)
    await tenants.enter_by_slug(session, slug.lower(), allow_suspended=True)
    tile = await tiles.hash_tile(session, address)
    return Response(tile, media_type=OCTETS, headers={"Cache-Control": tiles.IMMUTABLE, **_PUBLIC})
