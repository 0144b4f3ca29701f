"""The canonical bytes of a ledger transaction: RFC 8785 JSON, the data of its Merkle leaf.

Everything a verifier needs to recompute a split is in here: sequence, time, postings (account
code, integer minor units, currency), the reversed transaction and the metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import rfc8785

LEAF_VERSION = 1
# A log entry without postings that records a change of the log's signing key; its metadata
# names the old and the new verifier key (`bitnexus ledger rotate-key`, docs/ledger.md).
KEY_CHANGE = "signing_key_change"
_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles


def canonical(value: Any) -> bytes:
    """The RFC 8785 (JCS) bytes of `value`.

    What the ledger hashes is almost always plain: ASCII keys, strings, safe integers, booleans,
    nulls. For such values the standard library's sorted, compact, non-ASCII-escaping JSON is
    byte for byte RFC 8785's (same escapes, same key order, integers as written) and faster
    than the pure-Python `rfc8785` package, which serves everything else
    (floats, non-ASCII keys, whose UTF-16 order differs) and raises for what JCS cannot encode.
    """
    if _plain(value):
        try:
            dumped = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            return dumped.encode()
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 refuses it
            pass
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    return False


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
    return hashlib.sha256(canonical(content)).digest()


def leaf_bytes(
    *,
    tenant: uuid.UUID,
    transaction_id: uuid.UUID,
    seq: int,
    key: str,
    at: dt.datetime,
    content: dict[str, Any],
) -> bytes:
    return canonical(
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


def key_change(postings: list[Any], metadata: Any) -> tuple[str, str] | None:
    """(old, new) verifier key when an entry records a signing key change, else None: only an
    entry with no postings and key-change metadata is one."""
    if postings or not isinstance(metadata, dict) or metadata.get("event") != KEY_CHANGE:
        return None
    old, new = metadata.get("old_key"), metadata.get("new_key")
    if not isinstance(old, str) or not isinstance(new, str):
        return None
    return old, new
