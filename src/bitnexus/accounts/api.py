"""Accounts routes: auth, the caller's profile, public signup/invitations, user management."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Query, Request, Response, status

from bitnexus.accounts.errors import (
    CannotChangeSelf,
    EmailTaken,
    InvalidCredentials,
    InvalidResetToken,
    InvalidSignupLink,
    InvitationNotFound,
    InvitationUnusable,
    SessionExpired,
    SignupLinkUsed,
    UntrustedOrigin,
    UserNotFound,
    UserSuspended,
    WrongCurrentPassword,
)
from bitnexus.accounts.schemas import (
    AcceptInvitationRequest,
    ChangePasswordRequest,
    InvitationCreate,
    InvitationPage,
    InvitationPublic,
    InvitationRead,
    LoginRequest,
    MeRead,
    PasswordResetConfirm,
    PasswordResetRequest,
    ProfileUpdate,
    SignupConfirm,
    SignupPreviewRequest,
    SignupPublic,
    SignupRequest,
    TokenResponse,
    UserPage,
    UserRead,
    UserUpdate,
)
from bitnexus.accounts.service import registration, sessions, users
from bitnexus.auth import CurrentPrincipal, PrincipalSnapshot, TenantAdmin
from bitnexus.commissions.service import fraud
from bitnexus.core.config import Settings
from bitnexus.core.cors import trusted_origin
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import BadRequest, Forbidden, InvalidInput, RateLimited, errors_for
from bitnexus.recruiting import service as recruiting
from bitnexus.tenants.errors import SlugTaken, TenantSuspended

REFRESH_COOKIE = "bnx_refresh"
REFRESH_PATH = "/api/v1/auth"

auth_router = APIRouter(prefix="/auth", tags=["auth"])
me_router = APIRouter(prefix="/me", tags=["me"])
public_router = APIRouter(prefix="/public", tags=["public"])
users_router = APIRouter(prefix="/users", tags=["users"])
invitations_router = APIRouter(prefix="/invitations", tags=["invitations"])

PageLimit = Annotated[int, Query(ge=1, le=200)]


def _refresh_cookie(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)] = None,
) -> str | None:
    """The refresh cookie, unless a page of an unlisted site sent it. `SameSite=Strict` keeps
    other sites' requests from carrying it; once it is `SameSite=None` (the web app on an
    origin of its own) only the allow-listed origins and this server's own may use it."""
    if token is not None and settings.cors_origins:
        origin = request.headers.get("origin")
        host = request.headers.get("host")
        if not trusted_origin(
            origin, host, allowed=settings.cors_origins, public_url=settings.base_url
        ):
            raise UntrustedOrigin(f"Pages of {origin} may not use this session.")
    return token


RefreshCookie = Annotated[str | None, Depends(_refresh_cookie)]


def _cookie_attributes(settings: Settings) -> dict[str, Any]:
    """The web app on another site (CORS on) must send the cookie cross-site: `SameSite=None`,
    which browsers take only with `Secure` (they count http://localhost as secure)."""
    if settings.cors_origins:
        return {"path": REFRESH_PATH, "httponly": True, "samesite": "none", "secure": True}
    secure = settings.base_url.startswith("https://")
    return {"path": REFRESH_PATH, "httponly": True, "samesite": "strict", "secure": secure}


def _with_cookie(
    response: Response, settings: Settings, issued: sessions.IssuedSession
) -> TokenResponse:
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=settings.refresh_token_days * 86400,
        **_cookie_attributes(settings),
    )
    return issued.response


# ---- auth ----
@auth_router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(SlugTaken, EmailTaken, InvalidInput),
)
async def signup(
    body: SignupRequest, session: SessionDep, settings: SettingsDep, response: Response
) -> TokenResponse:
    """Create an organisation and its first admin, and log the admin in."""
    return _with_cookie(
        response, settings, await registration.signup_organisation(session, settings, body)
    )


@auth_router.post(
    "/login", responses=errors_for(InvalidCredentials, UserSuspended, TenantSuspended, RateLimited)
)
async def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TokenResponse:
    """Log in with organisation, email and password."""
    client_ip = request.client.host if request.client else "unknown"
    issued = await sessions.login(session, settings, body, client_ip, request.app.state.redis)
    await fraud.remember_address(session, issued.user, client_ip)
    return _with_cookie(response, settings, issued)


@auth_router.post(
    "/refresh",
    responses=errors_for(SessionExpired, UserSuspended, TenantSuspended, UntrustedOrigin),
)
async def refresh(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    token: RefreshCookie,
) -> TokenResponse:
    """Exchange the refresh cookie for a new access token (the cookie rotates)."""
    client_ip = request.client.host if request.client else ""
    issued = await sessions.refresh(session, settings, token)
    await fraud.remember_address(session, issued.user, client_ip)
    return _with_cookie(response, settings, issued)


@auth_router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors_for(UntrustedOrigin)
)
async def logout(
    session: SessionDep, settings: SettingsDep, response: Response, token: RefreshCookie
) -> None:
    """End this session (its whole refresh-token family)."""
    await sessions.logout(session, token)
    response.delete_cookie(REFRESH_COOKIE, **_cookie_attributes(settings))


@auth_router.post("/password-reset/request", status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> None:
    """Mail a password reset link if the account exists (the answer is the same either way)."""
    await users.request_password_reset(session, settings, body)


@auth_router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors_for(InvalidResetToken, InvalidInput),
)
async def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep) -> None:
    """Set a new password with a single-use reset token."""
    await users.confirm_password_reset(session, body)


# ---- me ----
@me_router.get("", responses=errors_for(SessionExpired, UserSuspended, TenantSuspended))
async def get_me(principal: PrincipalSnapshot) -> MeRead:
    """The caller's profile and organisation."""
    return sessions.me(principal.user, principal.tenant)


@me_router.patch("", responses=errors_for(SessionExpired))
async def update_me(
    body: ProfileUpdate, principal: CurrentPrincipal, session: SessionDep
) -> MeRead:
    """Change the caller's name."""
    user = await users.update_profile(session, principal.user, body)
    return sessions.me(user, principal.tenant)


@me_router.post("/password", responses=errors_for(WrongCurrentPassword, InvalidInput))
async def change_password(
    body: ChangePasswordRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TokenResponse:
    """Change the caller's password: every session ends, and this caller gets a new one."""
    issued = await users.change_password(session, settings, principal, body)
    return _with_cookie(response, settings, issued)


@me_router.delete(
    "/sessions", status_code=status.HTTP_204_NO_CONTENT, responses=errors_for(SessionExpired)
)
async def end_my_sessions(
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    """Log out everywhere: every access and refresh token of the caller ends, this one too."""
    await sessions.end_every_session(session, principal.user)
    response.delete_cookie(REFRESH_COOKIE, **_cookie_attributes(settings))


# ---- public (no token) ----
@public_router.post(
    "/signups/preview", responses=errors_for(InvalidSignupLink, TenantSuspended, InvalidInput)
)
async def preview_signup(
    body: SignupPreviewRequest, session: SessionDep, settings: SettingsDep
) -> SignupPublic:
    """What a mailed sign-up link offers: organisation, email and name."""
    return await registration.preview_signup(session, settings, body.token)


@public_router.post(
    "/signups/confirm",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(InvalidSignupLink, SignupLinkUsed, TenantSuspended, InvalidInput),
)
async def confirm_signup(
    body: SignupConfirm, session: SessionDep, settings: SettingsDep, response: Response
) -> TokenResponse:
    """Finish an affiliate sign-up from its mailed link with a password, and log in."""
    issued = await registration.confirm_signup(session, settings, body)
    await recruiting.joined(session, issued.user)
    return _with_cookie(response, settings, issued)


@public_router.get(
    "/invitations/{token}", responses=errors_for(InvitationNotFound, InvitationUnusable)
)
async def get_invitation(token: str, session: SessionDep) -> InvitationPublic:
    """What an invitation link offers: organisation, email and role."""
    return await registration.public_invitation(session, token)


@public_router.post(
    "/invitations/{token}/accept",
    status_code=status.HTTP_201_CREATED,
    responses=errors_for(InvitationNotFound, InvitationUnusable, EmailTaken, InvalidInput),
)
async def accept_invitation(
    token: str,
    body: AcceptInvitationRequest,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TokenResponse:
    """Accept an invitation: create the account and log it in."""
    issued = await registration.accept_invitation(session, settings, token, body)
    return _with_cookie(response, settings, issued)


# ---- users (tenant admin) ----
@users_router.get("", responses=errors_for(Forbidden, BadRequest))
async def list_users(
    _admin: TenantAdmin,
    session: SessionDep,
    cursor: str | None = None,
    limit: PageLimit = 50,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> UserPage:
    """The organisation's users, oldest first, filtered by name or email."""
    return await users.list_users(session, cursor, limit, q)


@users_router.get("/{user_id}", responses=errors_for(UserNotFound, Forbidden))
async def get_user(user_id: uuid.UUID, _admin: TenantAdmin, session: SessionDep) -> UserRead:
    """One user of the organisation."""
    return users.user_read(await users.get_user(session, user_id))


@users_router.patch("/{user_id}", responses=errors_for(UserNotFound, Forbidden, CannotChangeSelf))
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, admin: TenantAdmin, session: SessionDep
) -> UserRead:
    """Change a user's role, or suspend / re-activate them."""
    return users.user_read(await users.update_user(session, admin, user_id, body))


# ---- invitations (tenant admin) ----
@invitations_router.post(
    "", status_code=status.HTTP_201_CREATED, responses=errors_for(EmailTaken, Forbidden)
)
async def create_invitation(
    body: InvitationCreate, admin: TenantAdmin, session: SessionDep, settings: SettingsDep
) -> InvitationRead:
    """Invite someone by email; the accept link is returned once."""
    return await registration.invite(session, settings, admin, body)


@invitations_router.get("", responses=errors_for(Forbidden, BadRequest))
async def list_invitations(
    _admin: TenantAdmin, session: SessionDep, cursor: str | None = None, limit: PageLimit = 50
) -> InvitationPage:
    """Invitations of the organisation, newest first."""
    return await registration.list_invitations(session, cursor, limit)


@invitations_router.delete(
    "/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors_for(InvitationNotFound, InvitationUnusable, Forbidden),
)
async def revoke_invitation(
    invitation_id: uuid.UUID, _admin: TenantAdmin, session: SessionDep
) -> None:
    """Revoke a pending invitation."""
    await registration.revoke_invitation(session, invitation_id)
