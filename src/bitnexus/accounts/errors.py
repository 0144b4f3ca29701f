"""Errors of the accounts domain."""

from bitnexus.core.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized


class InvalidCredentials(Unauthorized):
    title = "Invalid credentials"
    keep_changes = True  # the failure must be counted even though the request fails


class SessionExpired(Unauthorized):
    title = "Session expired"
    keep_changes = True  # reuse detection revokes the family and that must stick


class WrongCurrentPassword(BadRequest):
    """A signed-in user mistyped their current password: an input error, not a lost session."""

    title = "Current password is wrong"


class UntrustedOrigin(Forbidden):
    """A page of a site not on the CORS allow-list sent the session cookie (cross-site
    request forgery, once the cookie is `SameSite=None`)."""

    title = "Origin not allowed"


class UserSuspended(Forbidden):
    title = "Account suspended"


class EmailTaken(Conflict):
    title = "Email already registered"


class UserNotFound(NotFound):
    title = "User not found"


class InvitationNotFound(NotFound):
    title = "Invitation not found"


class InvitationUnusable(Conflict):
    title = "Invitation can no longer be used"


class InvalidSignupLink(BadRequest):
    title = "Invalid or expired sign-up link"


class SignupLinkUsed(Conflict):
    title = "Sign-up link already used"


class InvalidResetToken(BadRequest):
    title = "Invalid or expired reset link"


class CannotChangeSelf(Conflict):
    title = "You cannot change your own role or status"


class UnknownReferralCode(BadRequest):
    status = 422
    title = "Unknown referral code"
