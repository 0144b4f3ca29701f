"""Creating accounts: organisation signup, affiliate signup, invitations."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts import repository
from bitnexus.accounts.errors import (
    EmailTaken,
    InvitationNotFound,
    InvitationUnusable,
    UnknownReferralCode,
)
from bitnexus.accounts.models import Invitation, InvitationStatus, Role, User, UserStatus
from bitnexus.accounts.schemas import (
    AcceptInvitationRequest,
    AffiliateSignupRequest,
    InvitationCreate,
    InvitationPage,
    InvitationPublic,
    InvitationRead,
    SignupRequest,
)
from bitnexus.accounts.service.sessions import IssuedSession, Principal, issue_session
from bitnexus.core import mail
from bitnexus.core.config import Settings
from bitnexus.core.db import set_tenant, utcnow
from bitnexus.core.errors import FieldError
from bitnexus.core.schemas import Cursor, split_page
from bitnexus.core.security import check_password_rules, hash_password
from bitnexus.core.tokens import matches, new_token, parse_token
from bitnexus.tenants import service as tenants
from bitnexus.tenants.models import Tenant, TenantStatus

INVITATION_TTL = dt.timedelta(days=7)
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


async def signup_affiliate(
    session: AsyncSession, settings: Settings, slug: str, request: AffiliateSignupRequest
) -> IssuedSession:
    """An affiliate joins a tenant through its public page, optionally with a referral code."""
    tenant = await tenants.enter_by_slug(session, slug)
    referrer: User | None = None
    if request.referral_code:
        referrer = await repository.get_user_by_referral_code(session, request.referral_code)
        if referrer is None or referrer.status != UserStatus.active:
            raise UnknownReferralCode(
                "No active affiliate has this referral code.",
                errors=[FieldError("referral_code", "Unknown referral code.")],
            )
    user = await create_user(
        session,
        tenant,
        email=request.email,
        name=request.name,
        password=request.password,
        role=Role.affiliate,
        referred_by=referrer,
    )
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
    accept_url = f"{settings.base_url}/invite/{token}"
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
