"""Creating accounts: organisation signup, an approved affiliate's sign-up (confirmed by mail),
invitations."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import jwt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository
from bitnexus.accounts.errors import (
    EmailTaken,
    InvalidSignupLink,
    InvitationNotFound,
    InvitationUnusable,
    SignupLinkUsed,
    UnknownReferralCode,
)
from bitnexus.accounts.models import Invitation, InvitationStatus, Role, User, UserStatus
from bitnexus.accounts.schemas import (
    AcceptInvitationRequest,
    InvitationCreate,
    InvitationPage,
    InvitationPublic,
    InvitationRead,
    SignupConfirm,
    SignupPublic,
    SignupRequest,
)
from bitnexus.accounts.service.sessions import IssuedSession, Principal, issue_session
from bitnexus.core import mail
from bitnexus.core.config import Settings
from bitnexus.core.db import set_tenant, utcnow
from bitnexus.core.errors import FieldError
from bitnexus.core.outbox import NewEvent, admins_topic, emit
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.core.security import ISSUER, JWT_ALGORITHM, check_password_rules, hash_password
from bitnexus.core.tokens import matches, new_token, parse_token
from bitnexus.tenants import service as tenants
from bitnexus.tenants.errors import TenantSuspended
from bitnexus.tenants.models import Tenant, TenantStatus

INVITATION_TTL = dt.timedelta(days=7)
# an approved applicant may read the mail days after applying
SIGNUP_TTL = dt.timedelta(days=7)
# the audience of a sign-up link: it is signed with the access tokens' secret, and neither kind
# of token is accepted as the other (access tokens carry no audience and need other claims)
_SIGNUP_AUDIENCE = "bitnexus:affiliate-signup"
# No 0/O or 1/I/L: codes are read aloud and typed from print.
_REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_referral_code() -> str:
    return "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(8))


async def create_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    referred_by: User | None = None,
) -> User:
    """Insert a user after checking the password rules; affiliates get a referral code."""
    check_password_rules(password, user_inputs=[email, name, tenant.name, tenant.slug])
    now = utcnow()
    for _ in range(5):
        user = User(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            email=email.lower(),
            name=name,
            password_hash=hash_password(password),
            role=role,
            status=UserStatus.active,
            referral_code=new_referral_code() if role is Role.affiliate else None,
            referred_by_id=referred_by.id if referred_by else None,
            created_at=now,
            updated_at=now,
            password_changed_at=now,
        )
        try:
            async with session.begin_nested():
                await repository.add(session, user)
            return user
        except IntegrityError as exc:
            if "ix_users_tenant_id_email" in str(exc.orig):
                raise EmailTaken(
                    "An account with this email already exists here.",
                    errors=[FieldError("email", "Already registered.")],
                ) from exc
            if "uq_users_tenant_id_referral_code" not in str(exc.orig):
                raise
    raise RuntimeError("could not allocate a unique referral code")  # pragma: no cover


async def signup_organisation(
    session: AsyncSession, settings: Settings, request: SignupRequest
) -> IssuedSession:
    """Create a tenant and its first tenant admin, and log that admin in."""
    tenant = await tenants.create(session, name=request.organisation_name, slug=request.slug)
    user = await create_user(
        session,
        tenant,
        email=request.email,
        name=request.name,
        password=request.password,
        role=Role.tenant_admin,
    )
    user.last_login_at = utcnow()
    return await issue_session(session, settings, user, tenant)


async def has_account(session: AsyncSession, email: str) -> bool:
    """Whether the address has an account in the session's organisation."""
    return await repository.get_user_by_email(session, email) is not None


async def mail_signup_link(
    session: AsyncSession,
    settings: Settings,
    tenant: Tenant,
    *,
    email: str,
    name: str,
    referrer_id: uuid.UUID | None,
) -> None:
    """Mail an approved applicant the link that confirms the address and sets the password, or
    to an address that already has an account, a note that someone tried; nothing is stored
    until the link is used. Recruiting decides who is approved: this is the only way a
    sign-up link is made."""
    org = tenant.display_name
    if await has_account(session, email):
        body = (
            f"Someone (perhaps you) tried to sign up to {org} as an affiliate with {email}, "
            "which already has an account there. Nothing was changed.\n\n"
            f"If it was you, log in: {settings.app_url}/login?org={tenant.slug}\n"
            f"Forgot your password? Reset it: {settings.app_url}/forgot-password\n\n"
            "If it was not you, ignore this message.\n"
        )
        subject = f"Someone tried to sign up to {org} with your address"
    else:
        token = _signup_token(settings, tenant, email, name, referrer_id)
        body = (
            f"Good news: your application to join {org} as an affiliate was approved.\n\n"
            "Confirm your address and choose your password within 7 days: "
            f"{settings.app_url}/join/confirm?token={token}\n\n"
            "If it was not you, ignore this message: no account is made without it.\n"
        )
        subject = f"Welcome to {org}: finish your sign-up"
    await mail.send(session, settings, mail.Mail(to=email, subject=subject, body=body))


async def find_referrer(session: AsyncSession, code: str | None) -> User | None:
    """The active affiliate a referral code names (None without a code); an unknown code is
    an error naming the field."""
    if not code:
        return None
    referrer = await repository.get_user_by_referral_code(session, code)
    if referrer is None or referrer.status != UserStatus.active:
        raise UnknownReferralCode(
            "No active affiliate has this referral code.",
            errors=[FieldError("referral_code", "Unknown referral code.")],
        )
    return referrer


def _signup_token(
    settings: Settings,
    tenant: Tenant,
    email: str,
    name: str,
    referrer_id: uuid.UUID | None,
) -> str:
    """A signed, self-contained sign-up link: nothing is stored until it is confirmed, so an
    address that is not confirmed leaves no trace (and no account to find)."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": _SIGNUP_AUDIENCE,
        "tenant_id": str(tenant.id),
        "email": email,
        "name": name,
        "ref": str(referrer_id) if referrer_id else None,
        "exp": utcnow() + SIGNUP_TTL,
    }
    return jwt.encode(claims, settings.secret, algorithm=JWT_ALGORITHM)


async def _signup_claims(
    session: AsyncSession, settings: Settings, raw: str
) -> tuple[dict[str, Any], Tenant]:
    invalid = InvalidSignupLink(
        "This sign-up link is invalid or expired; apply again on the join page.",
        errors=[FieldError("token", "Invalid or expired.")],
    )
    try:
        claims = jwt.decode(
            raw,
            settings.secret,
            algorithms=[JWT_ALGORITHM],
            issuer=ISSUER,
            audience=_SIGNUP_AUDIENCE,
            options={"require": ["tenant_id", "email", "name", "exp"]},
        )
        tenant_id = uuid.UUID(claims["tenant_id"])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise invalid from None
    await set_tenant(session, tenant_id)
    tenant = await tenants.current(session, tenant_id)
    if tenant.status == TenantStatus.suspended:
        raise TenantSuspended("This organisation is suspended.")
    return claims, tenant


async def preview_signup(session: AsyncSession, settings: Settings, raw: str) -> SignupPublic:
    """What a sign-up link offers, for the page that confirms it."""
    claims, tenant = await _signup_claims(session, settings, raw)
    return SignupPublic(email=claims["email"], name=claims["name"], tenant=tenants.public(tenant))


async def confirm_signup(
    session: AsyncSession, settings: Settings, request: SignupConfirm
) -> IssuedSession:
    """Make the affiliate a confirmed sign-up link describes, with the password chosen now,
    and log them in. A link works once: after that the address has an account."""
    claims, tenant = await _signup_claims(session, settings, request.token)
    referrer = None
    if claims.get("ref"):
        found = await repository.get_user(session, uuid.UUID(claims["ref"]))
        referrer = found if found is not None and found.status == UserStatus.active else None
    try:
        user = await create_user(
            session,
            tenant,
            email=claims["email"],
            name=claims["name"],
            password=request.password,
            role=Role.affiliate,
            referred_by=referrer,
        )
    except EmailTaken as exc:
        raise SignupLinkUsed("This sign-up link was already used: log in instead.") from exc
    user.last_login_at = utcnow()
    return await issue_session(session, settings, user, tenant)


def _invitation_read(inv: Invitation, accept_url: str | None = None) -> InvitationRead:
    return InvitationRead(
        id=inv.id,
        email=inv.email,
        role=inv.role,
        status=inv.status_at(utcnow()),
        expires_at=inv.expires_at,
        created_at=inv.created_at,
        accept_url=accept_url,
    )


async def invite(
    session: AsyncSession, settings: Settings, principal: Principal, request: InvitationCreate
) -> InvitationRead:
    """Create an invitation link (shown once to the admin and mailed to the invitee)."""
    if await repository.get_user_by_email(session, request.email) is not None:
        raise EmailTaken(
            "This person already has an account here.",
            errors=[FieldError("email", "Already registered.")],
        )
    token = new_token(principal.tenant.id)
    now = utcnow()
    inv = Invitation(
        id=token.id,
        tenant_id=principal.tenant.id,
        email=request.email.lower(),
        role=request.role,
        token_hash=token.digest,
        invited_by_id=principal.user.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    await repository.add(session, inv)
    invited = {"invitation_id": inv.id, "email": inv.email, "role": inv.role}
    topics = [admins_topic(inv.tenant_id)]  # (never the link: it is the invitee's secret)
    await emit(session, NewEvent(inv.tenant_id, "user.invited", invited, topics))
    accept_url = f"{settings.app_url}/invite/{token}"
    await mail.send(
        session,
        settings,
        mail.Mail(
            to=inv.email,
            subject=f"You are invited to {principal.tenant.display_name} on BitNexus",
            body=(
                f"{principal.user.name} invited you to join {principal.tenant.display_name} "
                f"as {request.role.replace('_', ' ')}.\n\nAccept within 7 days: {accept_url}\n"
            ),
        ),
    )
    return _invitation_read(inv, accept_url)


async def list_invitations(session: AsyncSession, cursor: str | None, limit: int) -> InvitationPage:
    rows = await repository.list_invitations(session, after=Cursor.decode(cursor), limit=limit + 1)
    page, next_cursor = split_page(rows, limit)
    return InvitationPage(items=[_invitation_read(i) for i in page], next_cursor=next_cursor)


async def revoke_invitation(session: AsyncSession, invitation_id: uuid.UUID) -> None:
    inv = await repository.get_invitation(session, invitation_id, lock=True)
    if inv is None:
        raise InvitationNotFound()
    if inv.status_at(utcnow()) is InvitationStatus.accepted:
        raise InvitationUnusable("An accepted invitation cannot be revoked.")
    inv.revoked_at = inv.revoked_at or utcnow()


async def _usable_invitation(session: AsyncSession, raw: str) -> tuple[Invitation, Tenant]:
    token = parse_token(raw)
    if token is None:
        raise InvitationNotFound("This invitation link is not valid.")
    await set_tenant(session, token.tenant_id)
    inv = await repository.get_invitation(session, token.id, lock=True)
    if inv is None or not matches(token, inv.token_hash):
        raise InvitationNotFound("This invitation link is not valid.")
    status = inv.status_at(utcnow())
    if status is not InvitationStatus.pending:
        raise InvitationUnusable(f"This invitation is {status.value}.")
    tenant = await tenants.current(session, token.tenant_id)
    if tenant.status == TenantStatus.suspended:
        raise InvitationUnusable("This organisation is suspended.")
    return inv, tenant


async def public_invitation(session: AsyncSession, raw: str) -> InvitationPublic:
    inv, tenant = await _usable_invitation(session, raw)
    return InvitationPublic(
        email=inv.email, role=inv.role, expires_at=inv.expires_at, tenant=tenants.public(tenant)
    )


async def accept_invitation(
    session: AsyncSession, settings: Settings, raw: str, request: AcceptInvitationRequest
) -> IssuedSession:
    inv, tenant = await _usable_invitation(session, raw)
    user = await create_user(
        session,
        tenant,
        email=inv.email,
        name=request.name,
        password=request.password,
        role=Role(inv.role),
    )
    inv.accepted_at = utcnow()
    inv.accepted_user_id = user.id
    user.last_login_at = inv.accepted_at
    return await issue_session(session, settings, user, tenant)
