"""Password hashing (argon2id), password rules and JWT access tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

from bitnexus.core.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
JWT_ALGORITHM = "HS256"
ISSUER = "bitnexus"

# argon2id with the library's defaults (RFC 9106 "second recommended" profile).
_hasher = PasswordHasher()
# A hash to verify against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("bitnexus-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


ZXCVBN_MAX_LENGTH = 72


def check_password_rules(password: str, *, field: str = "password", user_inputs: list[str]) -> None:
    """Refuse short, overlong and easily guessed passwords (common lists, user's own details)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(field, f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    # zxcvbn matches against common-password and dictionary lists; score < 3 is guessable
    # in under ~10^8 attempts, which an offline attacker with a leaked hash can afford.
    # zxcvbn refuses more than 72 characters (its matching is quadratic); a longer password is
    # at least as strong as its first 72.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[u for u in user_inputs if u])
    if result["score"] < 3:
        warning = result["feedback"].get("warning") or "This password is too easy to guess."
        raise InvalidInput(field, f"{warning.rstrip('.')}. Choose a less common password.")


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    jti: str
    issued_at: int
    expires_at: int
    # the user's credential version the token was issued under (claim `ver`)
    credential_version: int


def issue_access_token(
    secret: str,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    role: str,
    ttl_seconds: int,
    credential_version: int,
) -> tuple[str, AccessClaims]:
    now = int(time.time())
    claims = AccessClaims(
        user_id, tenant_id, role, uuid.uuid4().hex, now, now + ttl_seconds, credential_version
    )
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(user_id),
        "tenant_id": str(tenant_id),
        "role": role,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "jti": claims.jti,
        "ver": claims.credential_version,
    }
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM), claims


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization` header's value `Bearer <token>` (the scheme in any
    case), else None."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def decode_access_token(secret: str, token: str) -> AccessClaims | None:
    """Verify signature, algorithm, issuer and expiry; None for any invalid token."""
    try:
        claims = _verified(secret, token)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    if claims.expires_at <= time.time():  # expired since it was first verified
        return None
    return claims


# A token's signature, issuer and claims verify the same way every time it is presented, so the
# outcome of a valid one is kept (an invalid one raises, and lru_cache keeps no exception): the
# web app sends the same token with every request for its lifetime, and verifying it was a tenth
# of an authenticated read's time. Expiry is checked on every use (`decode_access_token`);
# revocation never depended on this check (every request reads its user and credential version).
@lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> AccessClaims:
    # Only HS256 is accepted: `alg: none` and HS/RS confusion tokens fail here.
    payload = jwt.decode(
        token,
        secret,
        algorithms=[JWT_ALGORITHM],
        issuer=ISSUER,
        options={"require": ["sub", "tenant_id", "role", "iat", "exp", "jti", "ver"]},
    )
    return AccessClaims(
        user_id=uuid.UUID(payload["sub"]),
        tenant_id=uuid.UUID(payload["tenant_id"]),
        role=str(payload["role"]),
        jti=str(payload["jti"]),
        issued_at=int(payload["iat"]),
        expires_at=int(payload["exp"]),
        credential_version=int(payload["ver"]),
    )
