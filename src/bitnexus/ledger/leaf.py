"""The canonical bytes of a ledger transaction: RFC 8785 JSON, the data of its Merkle leaf.

Everything a verifier needs to recompute a split is in here: sequence, time, postings (account
code, integer minor units, currency), the reversed transaction and the metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import rfc8785

LEAF_VERSION = 1


def request_content(
    postings: list[dict[str, Any]],
    description: str,
    metadata: dict[str, Any],
    reverses: uuid.UUID | None,
) -> dict[str, Any]:
    """What a client asked for: the part an idempotent retry must repeat exactly."""
    return {
        "postings": postings,
        "description": description,
        "metadata": metadata,
        "reverses": str(reverses) if reverses else None,
    }


def request_digest(content: dict[str, Any]) -> bytes:
    return hashlib.sha256(rfc8785.dumps(content)).digest()


def leaf_bytes(
    *,
    tenant: uuid.UUID,
    transaction_id: uuid.UUID,
    seq: int,
    key: str,
    at: dt.datetime,
    content: dict[str, Any],
) -> bytes:
    return rfc8785.dumps(
        {
            "v": LEAF_VERSION,
            "tenant": str(tenant),
            "id": str(transaction_id),
            "seq": seq,
            "idempotency_key": key,
            "time": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            **content,
        }
    )
