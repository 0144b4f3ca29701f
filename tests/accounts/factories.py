"""The account factories live in tests/factories; this name stays for the tests that still
import them from here."""

from tests.factories import (
    PASSWORD,
    Account,
    invite_and_accept,
    login,
    signup_affiliate,
    signup_org,
    unique_email,
    unique_slug,
)

__all__ = [
    "PASSWORD",
    "Account",
    "invite_and_accept",
    "login",
    "signup_affiliate",
    "signup_org",
    "unique_email",
    "unique_slug",
]
