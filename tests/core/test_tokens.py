"""Access tokens: only our HS256 signature with every claim is accepted."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bitnexus.core.config import Settings
from bitnexus.core.security import decode_access_token, issue_access_token
from bitnexus.core.tokens import new_token, parse_token
from tests.factories import Account, signup_org

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(**over: object) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": "bitnexus",
        "sub": str(uuid.uuid4()),
        "tenant_id": str(uuid.uuid4()),
        "role": "tenant_admin",
        "iat": now,
        "exp": now + 60,
        "jti": "x",
        "ver": 0,
        **over,
    }


def test_round_trip() -> None:
    user, tenant = uuid.uuid4(), uuid.uuid4()
    token, _ = issue_access_token(
        SECRET, user_id=user, tenant_id=tenant, role="vendor", ttl_seconds=60, credential_version=3
    )
    claims = decode_access_token(SECRET, token)
    assert claims is not None
    assert (claims.user_id, claims.tenant_id, claims.role) == (user, tenant, "vendor")
    assert claims.credential_version == 3


def test_a_token_verified_before_is_refused_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a token verified while it was valid
    token, claims = issue_access_token(
        SECRET,
        user_id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        role="vendor",
        ttl_seconds=60,
        credential_version=0,
    )
    assert decode_access_token(SECRET, token) == claims

    # when it is presented again after its expiry
    monkeypatch.setattr(time, "time", lambda: claims.expires_at)

    # then it is refused, and its signature still counts only under its own secret
    assert decode_access_token(SECRET, token) is None
    monkeypatch.undo()
    assert decode_access_token(SECRET + "-other", token) is None
    assert decode_access_token(SECRET, token) == claims


def test_alg_none_is_refused() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    assert decode_access_token(SECRET, token) is None


def test_hs_rs_confusion_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    rs = jwt.encode(_claims(), key, algorithm="RS256")
    assert decode_access_token(pem.decode(), rs) is None
    assert decode_access_token(SECRET, rs) is None


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_claims(exp=int(time.time()) - 5), id="expired"),
        pytest.param({k: v for k, v in _claims().items() if k != "tenant_id"}, id="no-tenant"),
        pytest.param(_claims(iss="someone-else"), id="wrong-issuer"),
        pytest.param(_claims(sub="not-a-uuid"), id="bad-sub"),
        pytest.param({k: v for k, v in _claims().items() if k != "ver"}, id="no-version"),
    ],
)
def test_bad_claims_are_refused(claims: dict[str, object]) -> None:
    assert decode_access_token(SECRET, jwt.encode(claims, SECRET, algorithm="HS256")) is None


def test_wrong_key_and_tampered_payload_are_refused() -> None:
    token = jwt.encode(_claims(), "another-secret-that-is-long-enough-too", algorithm="HS256")
    assert decode_access_token(SECRET, token) is None
    good = jwt.encode(_claims(), SECRET, algorithm="HS256")
    head, _, sig = good.split(".")
    assert (
        decode_access_token(SECRET, f"{head}.{_b64(_claims(role='platform_admin'))}.{sig}") is None
    )


def test_opaque_tokens_parse() -> None:
    tok = new_token(uuid.uuid4())

    assert parse_token(str(tok)) == tok


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "bnxt_",
        "bnxt_zz",
        "x" * 300,
        str(new_token(uuid.uuid4()))[:-20],
        "bnxt_" + "g" * 100,
    ],
    ids=["empty", "prefix-only", "short", "huge", "truncated", "not-hex"],
)
def test_opaque_tokens_reject_garbage(garbage: str) -> None:
    assert parse_token(garbage) is None


def _alg_none(admin: Account, settings: Settings) -> str:
    return f"{_b64({'alg': 'none'})}.{_b64(_claims(sub=admin.id, tenant_id=admin.tenant_id))}."


def _expired(admin: Account, settings: Settings) -> str:
    token, _ = issue_access_token(
        settings.secret,
        user_id=uuid.UUID(admin.id),
        tenant_id=uuid.UUID(admin.tenant_id),
        role="tenant_admin",
        ttl_seconds=-10,
        credential_version=0,
    )
    return token


@pytest.mark.parametrize(
    "forge",
    [_alg_none, _expired, lambda admin, settings: "garbage"],
    ids=["alg-none", "expired", "garbage"],
)
async def test_api_refuses_forged_tokens(
    client: httpx.AsyncClient, settings: Settings, forge: Callable[[Account, Settings], str]
) -> None:
    admin = await signup_org(client)

    r = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {forge(admin, settings)}"}
    )

    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_api_refuses_a_request_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401
