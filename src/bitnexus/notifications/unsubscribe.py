"""One-click unsubscribe links (RFC 8058): a signed token naming the organisation, the user and
the kind of notification, so following it needs no login and no stored state. Unsubscribing
stops the mail of that kind; the notifications stay in the app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from bitnexus.notifications.kinds import Kind

_PURPOSE = b"bitnexus notifications: unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    kind: Kind


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(secret: str, what: Unsubscribe) -> str:
    payload = what.tenant_id.bytes + what.user_id.bytes + what.kind.value.encode()
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def read(secret: str, raw: str) -> Unsubscribe | None:
    """What a token unsubscribes from; None for one this server did not sign."""
    try:
        encoded, mac = raw.split(".")
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except ValueError:
        return None
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    if len(payload) <= 32 or not hmac.compare_digest(given, expected):
        return None
    try:
        kind = Kind(payload[32:].decode())
    except (UnicodeDecodeError, ValueError):
        return None
    return Unsubscribe(uuid.UUID(bytes=payload[:16]), uuid.UUID(bytes=payload[16:32]), kind)
