"""Request and response shapes of the accounts API."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from bitnexus.accounts.models import InvitationStatus, Role, UserStatus
from bitnexus.core.schemas import InputModel, Name, OutputModel, Password
from bitnexus.tenants.schemas import PublicTenant, TenantBrief

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            "Use 3 to 40 lower-case letters, digits or dashes, starting and ending with a "
            "letter or digit."
        )
    return value


Slug = Annotated[
    str,
    StringConstraints(to_lower=True, max_length=40),
    AfterValidator(_check_slug),
    # what the check accepts, stated in the schema (the check gives the friendlier message)
    Field(json_schema_extra={"pattern": r"^[A-Za-z0-9](?:[A-Za-z0-9-]{1,38}[A-Za-z0-9])$"}),
]
InvitableRole = Literal["tenant_admin", "vendor", "affiliate"]
ReferralCode = Annotated[
    str, StringConstraints(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9]+$", to_upper=True)
]


class UserBase(OutputModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    status: UserStatus
    referral_code: str | None
    referred_by_id: uuid.UUID | None
    created_at: dt.datetime


class MeRead(UserBase):
    tenant: TenantBrief


class TokenResponse(OutputModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int
    user: MeRead


class SignupRequest(InputModel):
    organisation_name: Name
    slug: Slug
    name: Name
    email: EmailStr
    password: Password


class LoginRequest(InputModel):
    organisation: Annotated[str, StringConstraints(min_length=1, max_length=40, to_lower=True)]
    email: EmailStr
    password: Password


SignupToken = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class SignupPreviewRequest(InputModel):
    token: SignupToken


class SignupConfirm(InputModel):
    token: SignupToken
    password: Password


class SignupPublic(OutputModel):
    """What a sign-up link offers: the organisation, the address and the name given."""

    email: str
    name: str
    tenant: PublicTenant


class AcceptInvitationRequest(InputModel):
    name: Name
    password: Password


class PasswordResetRequest(InputModel):
    organisation: Annotated[str, StringConstraints(min_length=1, max_length=40, to_lower=True)]
    email: EmailStr


class PasswordResetConfirm(InputModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    password: Password


class ChangePasswordRequest(InputModel):
    current_password: Password
    new_password: Password


class ProfileUpdate(InputModel):
    name: Name | None = None


class UserRead(UserBase):
    last_login_at: dt.datetime | None


class UserPage(OutputModel):
    items: list[UserRead]
    next_cursor: str | None


class UserUpdate(InputModel):
    role: Literal["tenant_admin", "vendor", "affiliate"] | None = None
    status: UserStatus | None = None


class InvitationCreate(InputModel):
    email: EmailStr
    role: InvitableRole


class InvitationRead(OutputModel):
    id: uuid.UUID
    email: str
    role: str
    status: InvitationStatus
    expires_at: dt.datetime
    created_at: dt.datetime
    accept_url: str | None = Field(None, description="Only returned when the invitation is made.")


class InvitationPage(OutputModel):
    items: list[InvitationRead]
    next_cursor: str | None


class InvitationPublic(OutputModel):
    email: str
    role: str
    expires_at: dt.datetime
    tenant: PublicTenant
