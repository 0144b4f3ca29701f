"""Opaque tokens: single-purpose ones (refresh, password reset, invitation) and API keys.

A token is `<prefix><tenant hex><id hex><secret>` (prefix `bnxt_`, or `bnx_live_`/`bnx_test_`
for API keys): the tenant lets the server set the RLS context
before looking the row up, the id finds the row, and only SHA-256(secret) is stored, so a database
leak does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

PREFIX = "bnxt_"
_SECRET_BYTES = 32


@dataclass(frozen=True)
class OpaqueToken:
    tenant_id: uuid.UUID
    id: uuid.UUID
    secret: str
    prefix: str = PREFIX

    def __str__(self) -> str:
        return f"{self.prefix}{self.tenant_id.hex}{self.id.hex}{self.secret}"

    @property
    def digest(self) -> bytes:
        return hash_secret(self.secret)


def new_token(
    tenant_id: uuid.UUID, token_id: uuid.UUID | None = None, *, prefix: str = PREFIX
) -> OpaqueToken:
    return OpaqueToken(
        tenant_id, token_id or uuid.uuid4(), secrets.token_urlsafe(_SECRET_BYTES), prefix
    )


def parse_token(raw: str | None, prefixes: tuple[str, ...] = (PREFIX,)) -> OpaqueToken | None:
    """Parse a token string with one of `prefixes`; None when it is malformed (never raises)."""
    prefix = next((p for p in prefixes if raw and raw.startswith(p)), None)
    if not raw or prefix is None or len(raw) > 200:
        return None
    body = raw[len(prefix) :]
    try:
        tenant_id = uuid.UUID(hex=body[:32])
        token_id = uuid.UUID(hex=body[32:64])
    except ValueError:
        return None
    secret = body[64:]
    if len(secret) < 32:
        return None
    return OpaqueToken(tenant_id, token_id, secret, prefix)


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def matches(token: OpaqueToken, stored_digest: bytes) -> bool:
    return hmac.compare_digest(token.digest, stored_digest)
