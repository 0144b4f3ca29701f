"""The sockets each user and each organisation holds open in this process, against the limits
in `Settings` (docs/realtime.md: per process, so a deployment of N workers allows N times)."""

from __future__ import annotations

import uuid
from collections import Counter

from bitnexus.core.config import Settings


class Sockets:
    def __init__(self) -> None:
        self._by_user: Counter[uuid.UUID] = Counter()
        self._by_tenant: Counter[uuid.UUID] = Counter()

    def admit(self, settings: Settings, user_id: uuid.UUID, tenant_id: uuid.UUID) -> str | None:
        """Count one more socket of this user and tenant, or say why not (counts unchanged)."""
        if self._by_user[user_id] >= settings.socket_max_per_user:
            return f"You have {settings.socket_max_per_user} sockets open already."
        if self._by_tenant[tenant_id] >= settings.socket_max_per_tenant:
            return "Your organisation has too many sockets open; try again later."
        self._by_user[user_id] += 1
        self._by_tenant[tenant_id] += 1
        return None

    def release(self, user_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        for counts, key in ((self._by_user, user_id), (self._by_tenant, tenant_id)):
            counts[key] -= 1
            if counts[key] <= 0:
                del counts[key]

    def open(self, tenant_id: uuid.UUID) -> int:
        return self._by_tenant[tenant_id]
