"""bitnexus-verify: check BitNexus ledger receipts and checkpoints offline.

Deliberately standalone (it must not trust or import the server's code): RFC 6962 / RFC 9162
proof verification, C2SP signed-note / checkpoint parsing and Ed25519 verification, in one file.

    bitnexus-verify receipt FILE --key VKEY [--witness WKEY ...] [--min-witnesses N]
    bitnexus-verify consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF_FILE --key VKEY [...]
    bitnexus-verify consistency SAVED_RECEIPT_OR_CHECKPOINT --tiles URL_OR_DIR --key VKEY [...]

With --tiles, today's checkpoint and the proofs' hashes come from the log's public C2SP
tlog-tiles (`https://HOST/api/v1/public/tenants/SLUG/ledger/log/` or a directory copy): the saved
tree must be a prefix of today's, holding the saved receipt's transaction. Exit status: 0 OK,
1 verification failed, 2 bad usage, 3 the checkpoint or a tile could not be read.

A log whose signing key was rotated has several keys (current and retired, all published):
give each with --key, or a file of them, one per line, with --keys; a checkpoint verifies when
one of them signed it.

A log's own signature proves only what its operator signed. A witness cosigns each checkpoint
it has checked to be consistent with every earlier one it saw (C2SP tlog-cosignature/v1): pin
witness keys obtained independently with --witness, and require N of them with
--min-witnesses, so a history the operator rewrote and signed again is refused.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import struct
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH = "\u2014"
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
ED25519 = 0x01  # a log's note key
COSIGNATURE_V1 = 0x04  # a witness's key


class VerifyError(Exception):
    """Verification failed; the message says why."""


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerifyError(f"invalid base64: {text[:20]!r}") from exc


# ---- RFC 6962 hashing and RFC 9162 §2.1.3-2.1.4 verification ----


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise VerifyError(f"index {index} outside a tree of {size}")
    if any(len(p) != 32 for p in proof):
        raise VerifyError("proof hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerifyError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("inclusion proof too short")
    return r


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    if size1 > size2:
        raise VerifyError("the old checkpoint is larger than the new one")
    if size1 == size2:
        if proof or root1 != root2:
            raise VerifyError("same size but different roots: the log forked")
        return
    if size1 == 0:
        if proof:
            raise VerifyError("consistency with the empty tree needs no proof")
        return
    if not proof or any(len(p) != 32 for p in proof):
        raise VerifyError("missing or malformed consistency proof")
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerifyError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise VerifyError("the new checkpoint does not extend the old one")


# ---- C2SP signed notes and checkpoints ----


@dataclass(frozen=True)
class Key:
    name: str
    key_id: bytes
    public_key: bytes


def parse_key(vkey: str, key_type: int = ED25519) -> Key:
    """A verifier key `name+hexid+base64(type || key)`: a log's (Ed25519, type 0x01) or a
    witness's (cosignature/v1, type 0x04)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise VerifyError("a verifier key looks like name+hexid+base64key")
    raw = _b64(parts[2])
    if len(raw) != 33 or raw[0] != key_type:
        kind = "Ed25519 note" if key_type == ED25519 else "cosignature/v1 witness"
        raise VerifyError(f"not an {kind} key: {parts[0]}")
    key_id = hashlib.sha256(parts[0].encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != parts[1]:
        raise VerifyError("the key id does not match the key")
    return Key(parts[0], key_id, raw[1:])


def _signed_by(key: Key, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str = ""  # the signed body
    others: tuple[tuple[str, bytes], ...] = ()  # signature lines not the log's: (name, bytes)
    signed_by: tuple[str, ...] = ()  # the log's keys whose signature verified: "name+hexid"


def open_checkpoint(signed: str, keys: Key | Sequence[Key]) -> Checkpoint:
    """Verify the log's signature on a checkpoint note (by any of its keys) and parse it."""
    trusted = [keys] if isinstance(keys, Key) else list(keys)
    split = signed.rfind("\n\n")
    if split < 0 or not signed.endswith("\n"):
        raise VerifyError("not a signed note")
    text, sigs = signed[: split + 1], signed[split + 2 :].splitlines()
    by_log: list[Key] = []
    others: list[tuple[str, bytes]] = []
    for line in sigs:
        if not line.startswith(EM_DASH + " ") or len(line[2:].split(" ")) != 2:
            raise VerifyError("malformed signature line")
        name, blob = line[2:].split(" ")
        raw = _b64(blob)
        key = next((k for k in trusted if k.name == name and raw[:4] == k.key_id), None)
        if key is not None:
            if not _signed_by(key, raw[4:], text.encode()):
                raise VerifyError(f"the signature of {name} ({key.key_id.hex()}) does not verify")
            by_log.append(key)
        else:
            others.append((name, raw))
    if not by_log:
        raise VerifyError(f"no signature by {' or '.join(sorted({k.name for k in trusted}))}")
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not lines[1].isdigit():
        raise VerifyError("malformed checkpoint")
    if lines[0] != by_log[0].name:
        raise VerifyError("the checkpoint belongs to another log")
    root = _b64(lines[2])
    if len(root) != 32:
        raise VerifyError("malformed root hash")
    signers = tuple(f"{k.name}+{k.key_id.hex()}" for k in by_log)
    return Checkpoint(lines[0], int(lines[1]), root, text, tuple(others), signers)


@dataclass(frozen=True)
class Witnessed:
    cosigned: list[tuple[str, int]]  # pinned witnesses whose cosignature verified, with its time
    unchecked: list[str]  # other signers: no key pinned for them, nothing claimed


def check_witnesses(checkpoint: Checkpoint, witnesses: Sequence[Key], minimum: int) -> Witnessed:
    """Verify the cosignature/v1 of every pinned witness that signed `checkpoint`. A line that
    names a pinned witness but does not verify is a forgery and fails the whole check; fewer
    than `minimum` verified cosignatures fail it too."""
    cosigned: list[tuple[str, int]] = []
    unchecked: list[str] = []
    for name, raw in checkpoint.others:
        key = next((w for w in witnesses if w.name == name and w.key_id == raw[:4]), None)
        if key is None:
            unchecked.append(name)
            continue
        if len(raw) != 4 + 8 + 64:
            raise VerifyError(f"the cosignature of {name} is malformed")
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint.text.encode()
        if not _signed_by(key, raw[12:], message):
            raise VerifyError(f"the cosignature of {name} does not verify")
        cosigned.append((name, timestamp))
    if len(cosigned) < minimum:
        raise VerifyError(
            f"{len(cosigned)} of the pinned witnesses cosigned this checkpoint; "
            f"at least {minimum} required"
        )
    return Witnessed(cosigned, unchecked)


# ---- receipts (c2sp.org/tlog-proof@v1 with the leaf on the extra line) ----


@dataclass(frozen=True)
class Verified:
    index: int
    leaf: bytes
    checkpoint: Checkpoint
    witnessed: Witnessed = Witnessed([], [])

    @property
    def transaction(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.leaf)
        return data


def verify_receipt(
    text: str, key: Key | Sequence[Key], witnesses: Sequence[Key] = (), min_witnesses: int = 0
) -> Verified:
    head, sep, signed = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or len(lines) < 3 or lines[0] != PROOF_HEADER:
        raise VerifyError("not a c2sp.org/tlog-proof@v1 receipt")
    if not lines[1].startswith("extra ") or not lines[2].startswith("index "):
        raise VerifyError("the receipt lacks the leaf (extra) or index line")
    leaf = _b64(lines[1][6:])
    if not lines[2][6:].isdigit():
        raise VerifyError("invalid index")
    index = int(lines[2][6:])
    proof = [_b64(line) for line in lines[3:]]
    checkpoint = open_checkpoint(signed, key)
    if root_from_inclusion(index, checkpoint.size, leaf_hash(leaf), proof) != checkpoint.root:
        raise VerifyError("the transaction is not in the signed tree")
    return Verified(index, leaf, checkpoint, check_witnesses(checkpoint, witnesses, min_witnesses))


# ---- proofs from C2SP tlog-tiles (https://c2sp.org/tlog-tiles) ----

Reader = Callable[[int, int], bytes]  # (height, index) -> hash of a complete subtree


class Unavailable(Exception):
    """The checkpoint or a tile could not be read (network, missing file)."""


def tile_path(level: int, index: int, width: int) -> str:
    """`tile/<L>/<N>[.p/<W>]`: N as 3-digit elements, all but the last prefixed with x."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([*("x" + p for p in parts[:-1]), parts[-1]])
    return f"tile/{level}/{name}" + ("" if width == 256 else f".p/{width}")


class Tiles:
    """A log's tiles at a URL prefix or in a directory, read as a tree of `size` leaves."""

    def __init__(self, source: str) -> None:
        self.source, self.size, self.cache = source, 0, dict[tuple[int, int], bytes]()

    def get(self, path: str) -> bytes | None:
        """The resource at `path`, None when the source does not have it."""
        if self.source.startswith(("http://", "https://")):
            url = self.source.rstrip("/") + "/" + path
            try:
                with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (http, https)
                    return bytes(r.read())
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                raise Unavailable(f"{url}: HTTP {exc.code}") from exc
            except OSError as exc:  # URLError too
                raise Unavailable(f"{url}: {exc}") from exc
        file = Path(self.source) / path
        try:
            return file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Unavailable(f"{file}: {exc}") from exc

    def checkpoint(self) -> str:
        if (text := self.get("checkpoint")) is None:
            raise Unavailable(f"{self.source} has no checkpoint")
        return text.decode("utf-8")

    def tile(self, level: int, index: int) -> bytes:
        """Tile (level, index) as the tree of `size` has it; a full tile stands in for a
        partial one no longer served (its first hashes are the same)."""
        if (level, index) not in self.cache:
            width = min(256, (self.size >> (8 * level)) - index * 256)
            if width <= 0:
                raise VerifyError(f"tile {level}/{index} is outside a tree of {self.size}")
            data = self.get(tile_path(level, index, width))
            if data is None and width < 256:
                data = self.get(tile_path(level, index, 256))
                data = None if data is None or len(data) != 8192 else data[: 32 * width]
            if data is None:
                raise Unavailable(f"{self.source} lacks {tile_path(level, index, width)}")
            if len(data) != 32 * width:
                raise VerifyError(f"tile {tile_path(level, index, width)} has the wrong length")
            self.cache[(level, index)] = data
        return self.cache[(level, index)]

    def read(self, height: int, index: int) -> bytes:
        """The hash of the complete subtree of 2**height leaves from leaf index * 2**height: a
        tile at level L holds tree level 8L, the levels between are hashed from it."""
        level, rest = divmod(height, 8)
        first = index << rest
        tile = self.tile(level, first // 256)
        at = first % 256
        hashes = [tile[32 * i : 32 * i + 32] for i in range(at, at + (1 << rest))]
        while len(hashes) > 1:
            hashes = [_node(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def subtree(start: int, end: int, read: Reader) -> bytes:
    """MTH(D[start:end]) from complete subtrees (RFC 6962 §2.1)."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return read(n.bit_length() - 1, start // n)
    k = _split(n)
    return _node(subtree(start, start + k, read), subtree(start + k, end, read))


def inclusion_path(index: int, start: int, end: int, read: Reader) -> list[bytes]:
    """PATH(index, D[start:end]) of RFC 6962 §2.1.1, bottom-up."""
    if end - start == 1:
        return []
    k = _split(end - start)
    if index < start + k:
        return [*inclusion_path(index, start, start + k, read), subtree(start + k, end, read)]
    return [*inclusion_path(index, start + k, end, read), subtree(start, start + k, read)]


def consistency_path(m: int, start: int, end: int, read: Reader, whole: bool = True) -> list[bytes]:
    """SUBPROOF(m, D[start:end], whole) of RFC 6962 §2.1.2 (0 < m <= end - start)."""
    if m == end - start:
        return [] if whole else [subtree(start, end, read)]
    k = _split(end - start)
    if m <= k:
        return [*consistency_path(m, start, start + k, read, whole), subtree(start + k, end, read)]
    return [*consistency_path(m - k, start + k, end, read, False), subtree(start, start + k, read)]


def check_against_tiles(
    saved: str, tiles: Tiles, key: Key | Sequence[Key]
) -> tuple[Checkpoint, Checkpoint, int | None]:
    """Today's checkpoint from `tiles` extends the saved receipt's (or checkpoint's) tree, and
    the receipt's transaction is in today's tree: both proven with hashes read from tiles.
    Returns the saved checkpoint, today's, and the receipt's transaction index."""
    receipt = verify_receipt(saved, key) if saved.startswith(PROOF_HEADER) else None
    old = receipt.checkpoint if receipt else open_checkpoint(saved, key)
    new = open_checkpoint(tiles.checkpoint(), key)
    if new.size < old.size:
        raise VerifyError(
            f"today's checkpoint has {new.size} entries, fewer than the saved {old.size}: "
            "the log was rolled back"
        )
    tiles.size = new.size
    proof = consistency_path(old.size, 0, new.size, tiles.read) if 0 < old.size < new.size else []
    verify_consistency(old.size, new.size, old.root, new.root, proof)
    if receipt is not None:
        path = inclusion_path(receipt.index, 0, new.size, tiles.read)
        if root_from_inclusion(receipt.index, new.size, leaf_hash(receipt.leaf), path) != new.root:
            raise VerifyError(f"transaction #{receipt.index} is not in today's tree")
    return old, new, receipt.index if receipt else None


def read_keys(given: Sequence[str], files: Sequence[Path]) -> list[Key]:
    """The log's keys: each --key, and every line of each --keys file (blank lines and
    `#` comments skipped), e.g. as saved from the organisation's verifier-key page."""
    texts = list(given)
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not texts:
        raise VerifyError("give the log's verifier key with --key (or a file of keys, --keys)")
    return [parse_key(text) for text in texts]


def _say_witnessed(witnessed: Witnessed) -> None:
    for name, timestamp in witnessed.cosigned:
        when = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(f"  cosigned by {name} at {when} UTC")
    if not witnessed.cosigned:
        print("  no pinned witness cosigned it: only the log's own key vouches for it")
    for name in witnessed.unchecked:
        print(f"  also signed by {name} (no key pinned for it: not checked)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bitnexus-verify", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("receipt", help="verify a receipt file against a verifier key")
    r.add_argument("file", type=Path)
    c = sub.add_parser("consistency", help="verify that NEW (or today's tiles) extends OLD")
    c.add_argument("old", type=Path, help="the old checkpoint; with --tiles, a saved receipt too")
    c.add_argument("new", type=Path, nargs="?", help="the new checkpoint (not with --tiles)")
    c.add_argument(
        "proof", type=Path, nargs="?", help="consistency proof: one base64 hash per line"
    )
    c.add_argument(
        "--tiles",
        metavar="URL_OR_DIR",
        help="the log's tlog-tiles (URL prefix ending in /log/, or a directory copy): today's "
        "checkpoint and the hashes of both proofs are read from there",
    )
    for command in (r, c):
        command.add_argument(
            "--key",
            action="append",
            default=[],
            help="a verifier key of the log (name+id+key); repeatable: current and retired keys",
        )
        command.add_argument(
            "--keys",
            action="append",
            default=[],
            type=Path,
            help="a file of the log's verifier keys, one per line",
        )
        command.add_argument(
            "--witness",
            action="append",
            default=[],
            help="a witness's cosignature/v1 key whose cosignatures are checked (repeatable)",
        )
        command.add_argument(
            "--min-witnesses",
            type=int,
            default=0,
            help="refuse a checkpoint fewer than N pinned witnesses cosigned",
        )
    args = parser.parse_args(argv)
    if args.command == "consistency" and (args.new is not None if args.tiles else not args.proof):
        parser.error("consistency takes OLD NEW PROOF, or OLD --tiles URL_OR_DIR")
    try:
        key = read_keys(args.key, args.keys)
        witnesses = [parse_key(w, COSIGNATURE_V1) for w in args.witness]
        if args.min_witnesses > len(witnesses):
            raise VerifyError("--min-witnesses is more than the witness keys given")
        if args.command == "receipt":
            v = verify_receipt(
                args.file.read_text(encoding="utf-8"), key, witnesses, args.min_witnesses
            )
            tx = v.transaction
            print(
                f"OK: transaction #{v.index} ({tx.get('id')}) is in {v.checkpoint.origin} "
                f"at tree size {v.checkpoint.size}"
            )
            print(f"  signed by key {', '.join(v.checkpoint.signed_by)}")
            for p in tx.get("postings", []):  # type: ignore[attr-defined]
                print(f"  {p['account']}: {p['amount']} {p['currency']}")
            _say_witnessed(v.witnessed)
        elif args.tiles is not None:
            saved = args.old.read_text(encoding="utf-8")
            old, new, index = check_against_tiles(saved, Tiles(args.tiles), key)
            witnessed = check_witnesses(new, witnesses, args.min_witnesses)
            print(
                f"OK: the saved checkpoint (size {old.size}) is consistent with today's "
                f"checkpoint of {new.origin} (size {new.size})"
            )
            if index is not None:
                print(f"  transaction #{index} is in today's tree")
            _say_witnessed(witnessed)
        else:
            old = open_checkpoint(args.old.read_text(encoding="utf-8"), key)
            new = open_checkpoint(args.new.read_text(encoding="utf-8"), key)
            witnessed = check_witnesses(new, witnesses, args.min_witnesses)
            proof = [_b64(line) for line in args.proof.read_text(encoding="utf-8").split()]
            verify_consistency(old.size, new.size, old.root, new.root, proof)
            print(f"OK: {new.origin} at {new.size} extends {old.size}")
            _say_witnessed(witnessed)
    except Unavailable as exc:
        print(f"UNAVAILABLE: {exc}", file=sys.stderr)
        return 3
    except (VerifyError, OSError, ValueError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
