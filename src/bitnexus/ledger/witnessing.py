"""The log's side of witnessing: push each new checkpoint to the configured witnesses (C2SP
tlog-witness), keep their cosignatures, retry with backoff. Never on the write path: a witness
that is down delays only its own cosignature."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field

import httpx
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.metrics.families import WITNESS_FAILURES
from bitnexus.ledger import note, repository, tree
from bitnexus.ledger.models import LedgerBlock, LedgerCosignature

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WitnessConfig:
    url: str
    verifier: note.Verifier


def parse_witnesses(entries: list[str]) -> list[WitnessConfig]:
    """`<url> <verifier key>` per entry (BITNEXUS_WITNESSES)."""
    out = []
    for entry in entries:
        url, _, vkey = entry.strip().partition(" ")
        verifier = note.parse_verifier(vkey.strip())
        if verifier.key_type != note.COSIGNATURE_V1 or not url.startswith(("http://", "https://")):
            raise ValueError(f"not '<url> <cosignature/v1 key>': {entry!r}")
        out.append(WitnessConfig(url.rstrip("/"), verifier))
    return out


def witness_keys(settings: Settings) -> list[str]:
    """The verifier keys of the configured witnesses, as published."""
    return [str(w.verifier) for w in parse_witnesses(settings.witnesses)]


@dataclass
class Backoff:
    """Per-witness retry delays: 1 s doubling to 5 minutes, reset by a success."""

    next_try: dict[str, float] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)

    def due(self, name: str) -> bool:
        return self.next_try.get(name, 0.0) <= time.monotonic()

    def failed(self, name: str) -> None:
        """A push under the key `name` ("<witness> <tenant id>") failed: wait longer."""
        WITNESS_FAILURES.labels(name.partition(" ")[0]).inc()
        self.delay[name] = min(self.delay.get(name, 0.5) * 2, 300.0)
        self.next_try[name] = time.monotonic() + self.delay[name]

    def succeeded(self, name: str) -> None:
        self.delay.pop(name, None)
        self.next_try.pop(name, None)


async def cosignatures_of(session: AsyncSession, height: int) -> list[LedgerCosignature]:
    rows = await session.execute(
        select(LedgerCosignature)
        .where(LedgerCosignature.height == height)
        .order_by(LedgerCosignature.witness)
    )
    return list(rows.scalars())


async def _last_cosigned_size(session: AsyncSession, witness: str) -> int:
    height = (
        await session.execute(
            select(func.max(LedgerCosignature.height)).where(LedgerCosignature.witness == witness)
        )
    ).scalar_one_or_none()
    if height is None:
        return 0
    block = (
        await session.execute(select(LedgerBlock).where(LedgerBlock.height == height))
    ).scalar_one()
    return block.tree_size


async def _request_body(session: AsyncSession, old: int, block: LedgerBlock) -> str:
    proof = await tree.consistency_proof(session, old, block.tree_size) if old else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + block.checkpoint


async def push_latest(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    witnesses: list[WitnessConfig],
    client: httpx.AsyncClient,
    backoff: Backoff,
) -> list[str]:
    """Ask each witness that has not cosigned the latest block to do so; returns who did."""
    block = await repository.latest_block(session)
    if block is None:
        return []
    have = {c.witness for c in await cosignatures_of(session, block.height)}
    body_text = note.parse(block.checkpoint).text
    done: list[str] = []
    for w in witnesses:
        name = w.verifier.name
        retry = f"{name} {tenant_id}"  # a witness refusing one log must not delay the others
        if name in have or not backoff.due(retry):
            continue
        old = await _last_cosigned_size(session, name)
        for _attempt in range(2):  # a 409 tells us the witness's size; try once more from there
            try:
                response = await client.post(
                    f"{w.url}/add-checkpoint",
                    content=await _request_body(session, old, block),
                    timeout=10,
                )
            except httpx.HTTPError as exc:
                log.warning("ledger.witness_unreachable", witness=name, error=str(exc))
                backoff.failed(retry)
                break
            if response.status_code == 409 and response.headers.get("content-type", "").startswith(
                "text/x.tlog.size"
            ):
                known = int(response.text.strip() or 0)
                if known > block.tree_size:
                    log.critical(
                        "ledger.witness_ahead_of_log",
                        witness=name,
                        witness_size=known,
                        size=block.tree_size,
                    )
                    backoff.failed(retry)
                    break
                old = known
                continue
            if response.status_code != 200:
                log.warning(
                    "ledger.witness_refused",
                    witness=name,
                    status=response.status_code,
                    body=response.text[:200],
                )
                backoff.failed(retry)
                break
            line = next(
                (
                    ln
                    for ln in response.text.splitlines()
                    if ln.startswith(f"{note.EM_DASH} {name} ")
                ),
                None,
            )
            try:
                if line is None:
                    raise note.NoteError("no cosignature from this witness in the answer")
                signature = note.parse("x\n\n" + line + "\n").signatures[0]
                note.verify_cosignature(body_text, signature, w.verifier)
            except note.NoteError as exc:
                log.warning("ledger.witness_bad_cosignature", witness=name, error=str(exc))
                backoff.failed(retry)
                break
            session.add(
                LedgerCosignature(tenant_id=tenant_id, height=block.height, witness=name, line=line)
            )
            await session.flush()
            backoff.succeeded(retry)
            done.append(name)
            break
    return done
