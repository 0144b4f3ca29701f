"""Where the ledger's signing secrets come from: one Ed25519 seed per organisation and key
version, never stored in the database (docs/ledger.md, "Signing keys and origins").

- BITNEXUS_LEDGER_KEY set: a master secret; each seed is HKDF-SHA256 of it, domain-separated
  by tenant id and version (containers and many nodes that share only their environment).
- otherwise: one random 32-byte seed per key in BITNEXUS_LEDGER_KEY_DIR (default
  `<data dir>/ledger-keys`, a directory of mode 0700, files of mode 0600), which may live on
  a volume of its own, away from the database and its backups. Several hosts on one database
  must share one or the other: a key made on one host is missing on the others, whose sealers
  then refuse that organisation's log (tests/ledger/test_multi_host_keys.py).

Logs signed before keys were per organisation keep the one installation-wide key they were
signed with (`legacy_signer`): from BITNEXUS_LEDGER_KEY, or the data dir's `ledger_key` file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bitnexus.core.config import Settings
from bitnexus.ledger import note

LEGACY_FILE = "ledger_key"
HKDF_SALT = b"bitnexus ledger signing key v2"


class KeyUnavailable(RuntimeError):
    """The secret of a registered signing key cannot be found, or no longer matches it."""


def origin_for(host: str, installation: str, slug: str) -> str:
    """A new log's origin (and key name): unique per installation, fixed at its first seal."""
    return f"{host}/{installation}/{slug}"


def legacy_origin(host: str, slug: str) -> str:
    """The origin logs had before origins named their installation."""
    return f"{host}/bitnexus/{slug}"


def key_dir(settings: Settings) -> Path:
    return settings.ledger_key_dir


def _derived_seed(master: str, tenant_id: uuid.UUID, version: int) -> bytes:
    info = f"bitnexus ledger signing key\ntenant {tenant_id}\nversion {version}\n".encode()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=info)
    return hkdf.derive(master.encode())


def _key_file(settings: Settings, tenant_id: uuid.UUID, version: int) -> Path:
    return key_dir(settings) / f"{tenant_id}.v{version}.key"


def _file_seed(path: Path, create: bool) -> bytes:
    """The seed in `path`, created (random, mode 0600, atomically) when `create`."""
    if not path.exists():
        if not create:
            raise KeyUnavailable(
                f"the signing key file {path} is missing (hosts that share a database must "
                "share BITNEXUS_LEDGER_KEY or BITNEXUS_LEDGER_KEY_DIR: docs/capacity.md)"
            )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        # link() never replaces a file: concurrent first uses agree on the first seed written
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    try:
        seed = base64.b64decode(path.read_text().strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyUnavailable(f"the signing key file {path} is not a base64 seed") from exc
    if len(seed) != 32:
        raise KeyUnavailable(f"the signing key file {path} does not hold a 32-byte seed")
    return seed


def tenant_signer(
    settings: Settings, tenant_id: uuid.UUID, version: int, origin: str, *, create: bool = False
) -> note.Signer:
    """The organisation's signing key `version`, named by its log's origin."""
    if settings.ledger_key is not None:
        seed = _derived_seed(settings.ledger_key.get_secret_value(), tenant_id, version)
    else:
        seed = _file_seed(_key_file(settings, tenant_id, version), create)
    return note.Signer(origin, note.ED25519, Ed25519PrivateKey.from_private_bytes(seed))


def legacy_signer(settings: Settings, origin: str) -> note.Signer:
    """The installation-wide key every log was signed with before keys were per organisation."""
    if settings.ledger_key is not None:
        secret = settings.ledger_key.get_secret_value()
    else:
        path = settings.data_dir / LEGACY_FILE
        if not path.exists():
            raise KeyUnavailable(f"the legacy signing secret {path} is missing")
        secret = path.read_text().strip()
    # A domain-separated hash turns any secret string into the 32-byte Ed25519 seed.
    seed = hashlib.sha256(b"bitnexus ledger signing key v1\n" + secret.encode()).digest()
    return note.Signer(origin, note.ED25519, Ed25519PrivateKey.from_private_bytes(seed))
