"""The log's signing identity per tenant: one Ed25519 key, one origin (and key name) per tenant."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bitnexus.core.config import Settings, read_or_create_secret
from bitnexus.ledger import note
from bitnexus.ledger.tree import LogIdentity


def _seed(settings: Settings) -> bytes:
    secret = (
        settings.ledger_key.get_secret_value()
        if settings.ledger_key is not None
        else read_or_create_secret(settings.data_dir / "ledger_key")
    )
    # A domain-separated hash turns any secret string into the 32-byte Ed25519 seed.
    return hashlib.sha256(b"bitnexus ledger signing key v1\n" + secret.encode()).digest()


def origin_for(settings: Settings, tenant_slug: str) -> str:
    return f"{settings.ledger_origin_host}/bitnexus/{tenant_slug}"


def identity_for(settings: Settings, tenant_slug: str) -> LogIdentity:
    origin = origin_for(settings, tenant_slug)
    key = Ed25519PrivateKey.from_private_bytes(_seed(settings))
    return LogIdentity(origin, note.Signer(origin, note.ED25519, key))


def verifier_key(settings: Settings, tenant_slug: str) -> str:
    """The public `name+id+key` string a verifier needs for this tenant's checkpoints."""
    return str(identity_for(settings, tenant_slug).signer.verifier)
