"""Secrets the server must use again (a webhook endpoint's signing secret), sealed at rest.

A hash would not do: the server signs with the secret itself. Each value is encrypted with
AES-256-GCM under a key derived (HKDF-SHA256) from the app's secret key and a purpose label,
and bound to what it belongs to (the associated data, e.g. the endpoint's id), so a sealed
value copied to another row does not open. Changing `BITNEXUS_SECRET_KEY` makes sealed values
unreadable: their owners must issue new ones.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12  # the GCM standard nonce; random, so at most ~2^32 values per key


class SecretBox:
    """Seals and opens values for one purpose under the app's secret key."""

    def __init__(self, app_secret: str, purpose: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"bitnexus {purpose}".encode()
        ).derive(app_secret.encode())
        self._aead = AESGCM(key)

    def seal(self, value: bytes, bound_to: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, value, bound_to)

    def open(self, sealed: bytes, bound_to: bytes) -> bytes:
        """The value; raises `cryptography.exceptions.InvalidTag` if it was altered, bound to
        something else, or sealed under another key."""
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to)
