"""The log's side of witnessing: push each new checkpoint to the configured witnesses (C2SP
tlog-witness), keep their cosignatures, retry with backoff. Never on the write path: a witness
that is down delays only its own cosignature. A witness's refusal that shows the log
contradicting what the witness cosigned is kept as a ledger alarm, with both checkpoints."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from dataclasses import dataclass, field

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.db import utcnow
from bitnexus.core.metrics.families import WITNESS_FAILURES
from bitnexus.ledger import integrity, note, repository, tree
from bitnexus.ledger.models import AlarmKind, LedgerAlarm, LedgerBlock, LedgerCosignature

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


async def _last_cosigned(
    session: AsyncSession, witness: str
) -> tuple[LedgerBlock, LedgerCosignature] | None:
    """The newest block `witness` cosigned, by our records, with its cosignature."""
    row = (
        await session.execute(
            select(LedgerBlock, LedgerCosignature)
            .join(
                LedgerCosignature,
                (LedgerCosignature.tenant_id == LedgerBlock.tenant_id)
                & (LedgerCosignature.height == LedgerBlock.height),
            )
            .where(LedgerCosignature.witness == witness)
            .order_by(LedgerBlock.height.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def _request_body(session: AsyncSession, old: int, block: LedgerBlock) -> str:
    proof = await tree.consistency_proof(session, old, block.tree_size) if old else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + block.checkpoint


# Which refusals are evidence against the log. A witness checks the log's own signed statements
# against the checkpoint it cosigned last; when they contradict each other, only the log (or
# whoever holds its signing key and database) can be at fault:
#   409 that is not a size hint — same size, another root: the log signed two trees (fork)
#   422 — the consistency proof from the cosigned checkpoint does not verify: the log no longer
#         extends what the witness cosigned (fork)
#   409 size hint above the log's size — the witness cosigned more than the log now signs
#         (rollback)
# Everything else says nothing about the log and only backs off: no answer (down, timeout), 5xx,
# 400 and 413 (our request or a proxy), 403 (the witness trusts another key for this origin:
# configuration, or a rotated key it was not told of), 404 (it does not witness this origin),
# and a 200 whose cosignature does not verify (the witness, or the key configured for it).
_REFUSALS = {409: AlarmKind.fork, 422: AlarmKind.fork}


@dataclass(frozen=True)
class Refusal:
    """A witness's refusal that is evidence against the log, as kept with its alarm."""

    kind: AlarmKind
    reason: str


def _refusal(status: int, old: int, block: LedgerBlock) -> Refusal | None:
    kind = _REFUSALS.get(status)
    if kind is None:
        return None
    if status == 409:
        return Refusal(kind, f"the log signed another root for the same {block.tree_size} entries")
    return Refusal(
        kind,
        f"the consistency proof from the {old} entries it cosigned to {block.tree_size} does not "
        "verify: the log no longer extends what the witness cosigned",
    )


async def _raise_refusal(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    w: WitnessConfig,
    block: LedgerBlock,
    request: str,
    response: httpx.Response,
    refusal: Refusal,
) -> None:
    """Keep the refusal as an alarm with both checkpoints, once per witness and checkpoint."""
    name = w.verifier.name
    cosigned = await _last_cosigned(session, name)
    evidence: dict[str, object] = {
        "witness": name,
        "witness_url": w.url,
        "offered": {
            "height": block.height,
            "tree_size": block.tree_size,
            "checkpoint": block.checkpoint,
        },
        "cosigned": None if cosigned is None else _cosigned_evidence(w, *cosigned),
        "request": request,
        "answer": {
            "status": response.status_code,
            "content_type": response.headers.get("content-type", ""),
            "body": response.text[:2000],
        },
    }
    answer = " ".join(response.text.split())[:300]
    alarm = LedgerAlarm(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        api_key_id=None,
        reporter=name,
        kind=refusal.kind,
        detail=f"Witness {name} refused checkpoint {block.tree_size} (block {block.height}): "
        f"{refusal.reason}. Its answer: {response.status_code} {answer}",
        tree_size=block.tree_size,
        entry_index=None,
        created_at=utcnow(),
        evidence=evidence,
        subject=f"witness {name} refused "
        + hashlib.sha256(block.checkpoint.encode()).hexdigest()[:32],
    )
    if await integrity.raise_alarm(session, alarm, halted=False) is not None:
        log.critical(
            "ledger.witness_refused_checkpoint",
            tenant_id=str(tenant_id),
            witness=name,
            kind=refusal.kind,
            height=block.height,
            tree_size=block.tree_size,
            status=response.status_code,
        )


def _cosigned_evidence(
    w: WitnessConfig, block: LedgerBlock, cosignature: LedgerCosignature
) -> dict[str, object]:
    """The checkpoint the witness last cosigned, by our records, and whether its cosignature
    still verifies over it (not: the stored checkpoint changed since)."""
    try:
        signature = note.parse_signature(cosignature.line)
        note.verify_cosignature(note.parse(block.checkpoint).text, signature, w.verifier)
        verifies = True
    except note.NoteError:
        verifies = False
    return {
        "height": block.height,
        "tree_size": block.tree_size,
        "checkpoint": block.checkpoint,
        "cosignature": cosignature.line,
        "cosignature_verifies": verifies,
    }


async def push_latest(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    witnesses: list[WitnessConfig],
    client: httpx.AsyncClient,
    backoff: Backoff,
) -> list[str]:
    """Ask each witness that has not cosigned the latest block to do so; returns who did.
    A refusal that is evidence against the log becomes an alarm (once per witness and
    checkpoint); every failure backs off."""
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
        last = await _last_cosigned(session, name)
        old = 0 if last is None else last[0].tree_size
        for _attempt in range(2):  # a 409 tells us the witness's size; try once more from there
            request = await _request_body(session, old, block)
            try:
                response = await client.post(f"{w.url}/add-checkpoint", content=request, timeout=10)
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
                    ahead = Refusal(
                        AlarmKind.rollback,
                        f"the witness cosigned {known} entries, the log now signs only "
                        f"{block.tree_size}",
                    )
                    await _raise_refusal(session, tenant_id, w, block, request, response, ahead)
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
                refusal = _refusal(response.status_code, old, block)
                if refusal is not None:
                    await _raise_refusal(session, tenant_id, w, block, request, response, refusal)
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
