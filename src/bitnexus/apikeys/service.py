"""Create, list, revoke and authenticate API keys.

A key is an opaque token `bnx_live_…`/`bnx_test_…` carrying its tenant and id (so the RLS
context is set before the lookup) and a 256-bit secret of which only SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role, User
from bitnexus.accounts.service import users
from bitnexus.accounts.service.sessions import Principal, ensure_active
from bitnexus.apikeys import repository
from bitnexus.apikeys.errors import ApiKeyNotFound, InvalidApiKey
from bitnexus.apikeys.models import PREFIXES, ApiKey, Mode, Scope
from bitnexus.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from bitnexus.core.db import any_row, set_tenant, utcnow
from bitnexus.core.errors import FieldError, Forbidden
from bitnexus.core.tokens import matches, new_token, parse_token
from bitnexus.tenants.models import Tenant

log = structlog.get_logger(__name__)

SCOPES_BY_ROLE: dict[Role, frozenset[Scope]] = {
    Role.tenant_admin: frozenset({Scope.ledger_read}),
    Role.vendor: frozenset({Scope.conversions_write, Scope.conversions_browser}),
}
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class KeyPrincipal:
    """A caller authenticated by an API key: the key, its tenant and the user who made it."""

    key: ApiKey
    tenant: Tenant
    user: User


def read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        scope=Scope(key.scope),
        mode=Mode(key.mode),
        user_id=key.user_id,
        display=f"{PREFIXES[Mode(key.mode)]}…{key.hint}",
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


async def create(session: AsyncSession, principal: Principal, body: ApiKeyCreate) -> ApiKeyCreated:
    if body.scope not in SCOPES_BY_ROLE.get(principal.role, frozenset()):
        raise Forbidden(
            f"Your role cannot create {body.scope} keys.",
            errors=[FieldError("scope", "Not allowed for your role.")],
        )
    token = new_token(principal.tenant.id, prefix=PREFIXES[body.mode])
    key = ApiKey(
        id=token.id,
        tenant_id=principal.tenant.id,
        user_id=principal.user.id,
        name=body.name,
        scope=body.scope,
        mode=body.mode,
        secret_hash=token.digest,
        hint=token.secret[-4:],
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    log.info("apikey.created", key_id=str(key.id), scope=key.scope)
    return ApiKeyCreated(key=read(key), secret=str(token))


async def listed(session: AsyncSession, principal: Principal) -> list[ApiKeyRead]:
    """Your keys; tenant admins see every key of the tenant."""
    return [read(k) for k in await repository.listed(session, principal.restricted_to)]


async def revoke(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKeyRead:
    key = await repository.get(session, key_id)
    viewer = principal.restricted_to
    if key is None or (viewer is not None and key.user_id != viewer):
        raise ApiKeyNotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        log.info("apikey.revoked", key_id=str(key.id))
    return read(key)


async def authenticate(session: AsyncSession, raw: str, scope: Scope) -> KeyPrincipal:
    """The caller behind a key, if the key is genuine, unrevoked, of `scope`, and its tenant
    and user are active. Every failure looks the same to the caller."""
    token = parse_token(raw, tuple(PREFIXES.values()))
    if token is None:
        raise InvalidApiKey("The API key is malformed.")
    await set_tenant(session, token.tenant_id)
    key = await repository.get(session, token.id)
    if (
        key is None
        or not matches(token, key.secret_hash)
        or token.prefix != PREFIXES[Mode(key.mode)]
        or key.revoked_at is not None
    ):
        raise InvalidApiKey("The API key is unknown or revoked.")
    if key.scope != scope:
        raise Forbidden(f"This key's scope is {key.scope}; this call needs {scope}.")
    found = await users.user_with_tenant(session, key.user_id)
    if found is None:
        raise InvalidApiKey("The API key is unknown or revoked.")
    user, tenant = found
    ensure_active(user, tenant)
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        await repository.touch(session, key.id, now, LAST_USED_RESOLUTION)
    structlog.contextvars.bind_contextvars(tenant_id=str(tenant.id), api_key_id=str(key.id))
    return KeyPrincipal(key, tenant, user)


async def test_key_used(session: AsyncSession) -> bool:
    """Whether a test-mode key was ever used (a test sale is answered, never stored)."""
    return await repository.test_key_used(session)


async def has_keys(session: AsyncSession) -> bool:
    """Whether the organisation ever made an API key (revoked ones count: it knows how)."""
    return await any_row(session, ApiKey)
