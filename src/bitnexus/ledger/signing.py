"""Each organisation's log origin and signing keys as the database records them: registered at
first use, published (current and retired), rotated with the change recorded in the log itself.

The secrets never enter the database (ledger/keys.py); a registered key's public form is checked
against its secret before anything is signed, so a key directory or master secret that changed
under a log stops its sealing instead of signing with a key no verifier knows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.db import utcnow
from bitnexus.ledger import keys, note, repository, service, tree
from bitnexus.ledger.errors import SigningKeyUnavailable
from bitnexus.ledger.models import LedgerBlock, LedgerInstallation, LedgerSigningKey

log = structlog.get_logger(__name__)

LEGACY, TENANT = "legacy", "tenant"


@dataclass(frozen=True)
class Rotation:
    old_key: str
    new_key: str
    version: int
    entry_id: uuid.UUID
    block: LedgerBlock


async def installation_id(session: AsyncSession) -> str:
    return (await session.execute(select(LedgerInstallation.installation_id))).scalar_one()


async def published(session: AsyncSession) -> list[LedgerSigningKey]:
    """The tenant's registered keys, current first, then retired ones newest first."""
    rows = await session.execute(
        select(LedgerSigningKey).order_by(
            LedgerSigningKey.retired_at.is_not(None), LedgerSigningKey.version.desc()
        )
    )
    return list(rows.scalars())


async def ensure_registered(
    session: AsyncSession, settings: Settings, tenant_id: uuid.UUID, slug: str
) -> tuple[str, list[LedgerSigningKey]]:
    """The tenant's log origin and published keys (current first), fixing the origin and
    registering the first key on first use.

    A log signed before keys were per organisation keeps its origin and registers the
    installation-wide key it was signed with as its first key; a new log gets an origin naming
    this installation and a key of its own.
    """
    found = await published(session)
    if found:  # a key's name is its log's origin
        return note.parse_verifier(found[0].verifier_key).name, found
    state = await tree.lock_state(session, tenant_id, refuse_halted=False)
    first = await repository.block_at(session, 0)
    if state.origin is None:
        state.origin = (
            note.parse(first.checkpoint).text.split("\n", 1)[0]
            if first is not None
            else keys.origin_for(settings.ledger_origin_host, await installation_id(session), slug)
        )
    found = await published(session)  # under the lock now
    if not found:
        origin = state.origin
        if first is not None:
            kind, signer = LEGACY, keys.legacy_signer(settings, origin)
        else:
            kind, signer = TENANT, keys.tenant_signer(settings, tenant_id, 1, origin, create=True)
        session.add(
            LedgerSigningKey(
                tenant_id=tenant_id,
                version=1,
                kind=kind,
                verifier_key=str(signer.verifier),
                created_at=utcnow(),
            )
        )
    await session.flush()
    return state.origin, await published(session)


def _signer(
    settings: Settings, tenant_id: uuid.UUID, key: LedgerSigningKey, origin: str
) -> note.Signer:
    signer = (
        keys.legacy_signer(settings, origin)
        if key.kind == LEGACY
        else keys.tenant_signer(settings, tenant_id, key.version, origin)
    )
    if str(signer.verifier) != key.verifier_key:
        raise keys.KeyUnavailable(
            f"the secret of signing key version {key.version} does not match its published key "
            "(BITNEXUS_LEDGER_KEY or BITNEXUS_LEDGER_KEY_DIR is not the one it was made with)"
        )
    return signer


async def identity_for(
    session: AsyncSession, settings: Settings, tenant_id: uuid.UUID, slug: str
) -> tree.LogIdentity:
    """Who signs the tenant's next checkpoint: its origin and current key (with its secret)."""
    origin, found = await ensure_registered(session, settings, tenant_id, slug)
    return tree.LogIdentity(origin, (_signer(settings, tenant_id, found[0], origin),))


async def published_keys(
    session: AsyncSession, settings: Settings, tenant_id: uuid.UUID, slug: str
) -> list[LedgerSigningKey]:
    """Every key that verifies the tenant's checkpoints, current first (public); a first key
    whose secret is missing is the operator's problem, told in the log, not the caller's."""
    try:
        return (await ensure_registered(session, settings, tenant_id, slug))[1]
    except keys.KeyUnavailable as missing:
        log.error("ledger.signing_key_unavailable", tenant=slug, problem=str(missing))
        raise SigningKeyUnavailable(
            "This organisation's signing key is not available yet; its operator is told."
        ) from missing


async def rotate(
    session: AsyncSession, settings: Settings, tenant_id: uuid.UUID, slug: str
) -> Rotation:
    """Give the tenant a new signing key: record the change as a log entry, seal a handover
    checkpoint that includes it signed by the new and the old key, then retire the old key.

    A halted log is refused (`SealingHalted`): its state must be resolved before anything more
    is signed, a handover included.
    """
    await tree.lock_state(session, tenant_id)  # SealingHalted while an alarm stops sealing
    old = await identity_for(session, settings, tenant_id, slug)
    found = await published(session)
    version = max(k.version for k in found) + 1
    new = keys.tenant_signer(settings, tenant_id, version, old.origin, create=True)
    old_key, new_key = str(old.signer.verifier), str(new.verifier)
    entry = await service.record_key_change(
        session, tenant_id, version=version, old_key=old_key, new_key=new_key
    )
    size = -1
    while size != (size := await tree.integrate(session, tenant_id)):
        pass  # in batches, up to and including the entry
    block = await tree.seal(session, tenant_id, tree.LogIdentity(old.origin, (new, old.signer)))
    assert block is not None  # the entry grew the tree
    now = utcnow()
    await session.execute(
        update(LedgerSigningKey)
        .where(LedgerSigningKey.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(
        LedgerSigningKey(
            tenant_id=tenant_id, version=version, kind=TENANT, verifier_key=new_key, created_at=now
        )
    )
    await session.flush()
    return Rotation(old_key, new_key, version, entry, block)
