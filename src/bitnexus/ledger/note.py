"""C2SP signed notes, tlog checkpoints and tlog-cosignature/v1 cosignatures (Ed25519). No I/O.

A signed note is UTF-8 text ending in a newline, a blank line, then signature lines
`— <key name> <base64(key id || signature)>`. The key id of an Ed25519 key is
SHA-256(name || "\\n" || 0x01 || public key)[:4]; a cosignature/v1 key uses type byte 0x04 and
signs "cosignature/v1\\ntime <t>\\n" followed by the checkpoint body. Verifier keys are written
`<name>+<hex key id>+<base64(type || public key)>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or checkpoint is malformed, or no trusted signature verifies."""


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not name or any(c in name for c in " +\n") or not name.isprintable():
        raise NoteError(f"invalid key name {name!r}")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("invalid base64") from exc


@dataclass(frozen=True)
class Verifier:
    name: str
    key_type: int
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, self.public_key)

    def __str__(self) -> str:
        material = base64.b64encode(bytes([self.key_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier(vkey: str) -> Verifier:
    """Parse `<name>+<hex id>+<base64(type || key)>` and check that the id matches."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key has three '+'-separated parts")
    name, hex_id, material = parts
    _check_name(name)
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise NoteError("the key id must be 8 lower-case hex digits")
    raw = _b64decode(material)
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 (0x01) and cosignature/v1 (0x04) keys are supported")
    verifier = Verifier(name, raw[0], raw[1:])
    if verifier.key_id != int(hex_id, 16):
        raise NoteError("the key id does not match the key")
    return verifier


@dataclass(frozen=True)
class Signer:
    name: str
    key_type: int
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls, name: str, key_type: int = ED25519) -> Signer:
        _check_name(name)
        return cls(name, key_type, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> Verifier:
        public = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, self.key_type, public)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def __str__(self) -> str:
        seed = self.private_key.private_bytes_raw()
        material = base64.b64encode(bytes([self.key_type]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{material}"


def parse_signer(skey: str) -> Signer:
    """Parse `PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>`."""
    parts = skey.split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signer key starts with PRIVATE+KEY+")
    name, hex_id, material = parts[2], parts[3], parts[4]
    _check_name(name)
    raw = _b64decode(material)
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 signer keys are supported")
    signer = Signer(name, raw[0], Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if f"{signer.verifier.key_id:08x}" != hex_id:
        raise NoteError("the key id does not match the key")
    return signer


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    blob: bytes  # the signature bytes after the key id (cosignatures: timestamp || signature)

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id.to_bytes(4, "big") + self.blob).decode()
        return f"{EM_DASH} {self.name} {encoded}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("note text must be non-empty lines, each ending in a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text may not contain control characters")


def sign(text: str, *signers: Signer) -> str:
    """A signed note: `text`, a blank line and one Ed25519 signature line per signer."""
    _check_text(text)
    sigs = [Signature(s.name, s.verifier.key_id, s.sign(text.encode())).line() for s in signers]
    return text + "\n" + "".join(sigs)


@dataclass(frozen=True)
class Note:
    text: str
    signatures: list[Signature]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_signature(line: str) -> Signature:
    """One signature line, `— <name> <base64(key id || signature)>` (not verified)."""
    line = line.removesuffix("\n")
    if not line.startswith(EM_DASH + " "):
        raise NoteError("malformed signature line")
    pieces = line[2:].split(" ")
    if len(pieces) != 2:
        raise NoteError("malformed signature line")
    name, encoded = pieces
    _check_name(name)
    raw = _b64decode(encoded)
    if len(raw) < 5:
        raise NoteError("signature too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse(message: str) -> Note:
    """Split a signed note into text and signatures (nothing is verified here)."""
    split = message.rfind("\n\n")
    if split < 0 or not message.endswith("\n"):
        raise NoteError("a signed note has text, a blank line and signature lines")
    text, block = message[: split + 1], message[split + 2 :]
    _check_text(text)
    signatures = [parse_signature(line) for line in block.splitlines()]
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise NoteError("a signed note needs between 1 and 100 signatures")
    return Note(text, signatures)


def verify(message: str, verifier: Verifier) -> Note:
    """Parse `message` and require a valid Ed25519 note signature by `verifier`."""
    note = parse(message)
    for sig in note.signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id:
            if verifier.key_type != ED25519 or not verifier.verify(note.text.encode(), sig.blob):
                raise NoteError(f"the signature of {verifier.name} does not verify")
            return note
    raise NoteError(f"the note carries no signature of {verifier.name}")


def verify_any(message: str, verifiers: Sequence[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse `message` and require a valid Ed25519 signature by at least one of `verifiers`
    (a log's published keys, current and retired); returns the note and the keys that signed.
    A line that names one of them but does not verify is a forgery: it fails the whole note."""
    note = parse(message)
    signed: list[Verifier] = []
    for sig in note.signatures:
        for verifier in verifiers:
            if sig.name == verifier.name and sig.key_id == verifier.key_id:
                if verifier.key_type != ED25519 or not verifier.verify(
                    note.text.encode(), sig.blob
                ):
                    raise NoteError(
                        f"the signature of {verifier.name} ({verifier.key_id:08x}) does not verify"
                    )
                signed.append(verifier)
    if not signed:
        names = sorted({v.name for v in verifiers})
        raise NoteError(f"the note carries no signature of {', '.join(names) or 'a known key'}")
    return note, signed


# ---- checkpoints ----


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(f"{line}\n" for line in [*lines, *self.extensions])


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash line")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not origin or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError("invalid checkpoint origin or size")
    root = _b64decode(root_text)
    if len(root) != 32:
        raise NoteError("the root hash must be 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


# ---- tlog-cosignature/v1 ----


def cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


def cosign(body: str, signer: Signer, timestamp: int) -> Signature:
    """A cosignature/v1 signature over a checkpoint body at `timestamp` (seconds)."""
    if signer.key_type != COSIGNATURE_V1:
        raise NoteError("cosignatures need a cosignature/v1 (0x04) key")
    if not 0 <= timestamp < 2**63:
        raise NoteError("timestamp out of range")
    sig = signer.sign(cosigned_message(body, timestamp))
    return Signature(signer.name, signer.verifier.key_id, struct.pack(">Q", timestamp) + sig)


def verify_cosignature(body: str, signature: Signature, verifier: Verifier) -> int:
    """Check a cosignature/v1 by `verifier`; returns its timestamp."""
    if verifier.key_type != COSIGNATURE_V1:
        raise NoteError("not a cosignature/v1 key")
    if signature.name != verifier.name or signature.key_id != verifier.key_id:
        raise NoteError("the cosignature is not from this witness")
    if len(signature.blob) != 8 + 64:
        raise NoteError("a cosignature is a timestamp and a 64-byte signature")
    (timestamp,) = struct.unpack(">Q", signature.blob[:8])
    if not verifier.verify(cosigned_message(body, timestamp), signature.blob[8:]):
        raise NoteError(f"the cosignature of {verifier.name} does not verify")
    return int(timestamp)
