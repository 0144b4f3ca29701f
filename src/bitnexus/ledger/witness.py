"""A witness (C2SP tlog-witness): cosigns a log's checkpoints only if each one extends the last.

Runs as its own process (`bitnexus ledger witness`) with its own key and state: the latest
cosigned (size, root, signed checkpoint) per trusted log origin, kept in a JSON file that is
checked and replaced under an exclusive file lock, so concurrent requests can never roll a log
back. A checkpoint that contradicts the cosigned one (another root at the same size, or a
consistency proof that does not verify) is refused and kept, with the request and what the
witness knew, in `evidence/` beside the state file: two checkpoints signed by the log's key
that cannot both be true are proof, to anyone, that the log forked.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bitnexus.ledger import merkle, note

log = structlog.get_logger(__name__)

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
# Evidence files kept at most (each at most about two requests, ~130 KB): the first ones of a
# fork are what matters, and a log that keeps forking must not fill the witness's disk.
MAX_EVIDENCE_FILES = 100


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class WitnessState:
    """The latest cosigned tree head per origin, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_suffix(".lock")
        self.evidence_dir = path.parent / "evidence"
        path.parent.mkdir(parents=True, exist_ok=True)

    def keep_evidence(self, origin: str, size: int, record: dict[str, object]) -> str:
        """Write `record` to a new file in the evidence directory (atomically; called under the
        lock); says where, or why not. The same request refused again is kept once."""
        request = str(record["request"]).encode()
        name = (
            f"{re.sub(r'[^A-Za-z0-9.-]', '_', origin)[:100]}-{size}-"
            f"{hashlib.sha256(request).hexdigest()[:16]}.json"
        )
        path = self.evidence_dir / name
        if path.exists():
            return f"evidence kept: evidence/{name}"
        self.evidence_dir.mkdir(exist_ok=True)
        kept = sum(1 for p in self.evidence_dir.iterdir() if p.suffix == ".json")
        if kept >= MAX_EVIDENCE_FILES:
            return f"evidence not kept: evidence/ already holds {kept} files"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return f"evidence kept: evidence/{name}"

    @contextmanager
    def locked(self) -> Iterator[dict[str, dict[str, object]]]:
        """Read, let the caller change, and atomically write back, all under one exclusive lock."""
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads(self.path.read_text()) if self.path.exists() else {}
                before = json.dumps(state, sort_keys=True)
                yield state
                if json.dumps(state, sort_keys=True) != before:
                    tmp = self.path.with_suffix(".tmp")
                    tmp.write_text(json.dumps(state, sort_keys=True, indent=1))
                    os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class Witness:
    def __init__(self, signer: note.Signer, logs: list[note.Verifier], state: WitnessState) -> None:
        if signer.key_type != note.COSIGNATURE_V1:
            raise ValueError("a witness signs with a cosignature/v1 key")
        self.signer = signer
        self.logs: dict[str, list[note.Verifier]] = {}  # a log's keys: current and retired
        for v in logs:
            self.logs.setdefault(v.name, []).append(v)
        self.state = state

    def add_checkpoint(self, body: str, now: int | None = None) -> Answer:
        """The add-checkpoint call: verify, check consistency, persist, cosign."""
        head, sep, signed = body.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines[0].startswith("old ") or len(lines) - 1 > MAX_PROOF_LINES:
            return Answer(400, "malformed request\n")
        old_text = lines[0][4:]
        if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
            return Answer(400, "malformed old size\n")
        old = int(old_text)
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
            parsed = note.parse(signed)
            checkpoint = note.parse_checkpoint(parsed.text)
        except (binascii.Error, ValueError):
            return Answer(400, "malformed proof or checkpoint\n")
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            return Answer(404, "unknown log origin\n")
        try:
            note.verify_any(signed, verifiers)
        except note.NoteError:
            return Answer(403, "no valid signature from the log's key\n")
        if old > checkpoint.size:
            return Answer(400, "old size is larger than the checkpoint\n")
        if old == 0 and proof:
            return Answer(422, "a proof from size 0 must be empty\n")

        with self.state.locked() as state:
            known = state.get(checkpoint.origin, {"size": 0, "root": None})
            known_size = int(known["size"])  # type: ignore[call-overload]
            if old != known_size:
                return Answer(409, f"{known_size}\n", "text/x.tlog.size")
            known_root = base64.b64decode(str(known["root"])) if known["root"] else None
            if (
                old == checkpoint.size
                and known_root is not None
                and known_root != checkpoint.root_hash
            ):
                return self._conflict(
                    409, "same size, different root: the log forked", known, body, signed
                )
            if old > 0 and known_root is not None:
                try:
                    merkle.verify_consistency(
                        old, checkpoint.size, known_root, checkpoint.root_hash, proof
                    )
                except merkle.ProofError as exc:
                    return self._conflict(
                        422, f"consistency proof does not verify: {exc}", known, body, signed
                    )
            state[checkpoint.origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root_hash).decode(),
                "checkpoint": signed,  # what it cosigned, kept as evidence for a later fork
            }
        cosignature = note.cosign(
            parsed.text, self.signer, int(now if now is not None else time.time())
        )
        return Answer(200, cosignature.line())

    def _conflict(
        self, status: int, reason: str, known: dict[str, object], body: str, signed: str
    ) -> Answer:
        """Refuse a checkpoint that contradicts the cosigned one, keeping both as evidence."""
        checkpoint = note.parse_checkpoint(note.parse(signed).text)
        head, _, _ = body.partition("\n\n")
        old, *proof = head.split("\n")
        where = self.state.keep_evidence(
            checkpoint.origin,
            checkpoint.size,
            {
                "at": dt.datetime.now(dt.UTC).isoformat(),
                "witness": self.signer.name,
                "origin": checkpoint.origin,
                "reason": reason,
                "known": known,  # size, root and the signed checkpoint it cosigned
                "offered": {"old": int(old[4:]), "proof": proof, "checkpoint": signed},
                "request": body,
            },
        )
        log.critical(
            "witness.conflicting_checkpoint",
            origin=checkpoint.origin,
            size=checkpoint.size,
            reason=reason,
            evidence=where,
            evidence_dir=str(self.state.evidence_dir),
        )
        return Answer(status, f"{reason}\n{where}\n")

    def app(self, extra: list[Route] | None = None) -> Starlette:
        async def add_checkpoint(request: Request) -> Response:
            raw = await request.body()
            if len(raw) > MAX_BODY:
                return PlainTextResponse("request too large\n", status_code=413)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return PlainTextResponse("not UTF-8\n", status_code=400)
            # flock waits and file writes must not stall the event loop
            answer = await run_in_threadpool(self.add_checkpoint, text)
            return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

        async def info(_request: Request) -> Response:
            return PlainTextResponse(f"{self.signer.verifier}\n")

        return Starlette(
            routes=[
                Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
                Route("/", info, methods=["GET"]),
                *(extra or []),
            ]
        )


def load_or_create_key(data_dir: Path, name: str) -> note.Signer:
    """The witness's own cosignature/v1 key, generated into its data dir on first run."""
    path = data_dir / "witness.key"
    if path.exists():
        signer = note.parse_signer(path.read_text().strip())
        if signer.name != name:
            raise ValueError(f"{path} holds the key of {signer.name}, not {name}")
        return signer
    data_dir.mkdir(parents=True, exist_ok=True)
    signer = note.Signer.generate(name, note.COSIGNATURE_V1)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(str(signer) + "\n")
    return signer
