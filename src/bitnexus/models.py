"""Every domain's tables, imported in one place for Alembic and metadata checks."""

from bitnexus.accounts.models import (
    AuthThrottle,
    Invitation,
    PasswordResetToken,
    RefreshToken,
    User,
)
from bitnexus.core.db import Base
from bitnexus.ledger.models import (
    LedgerAccount,
    LedgerBalance,
    LedgerBlock,
    LedgerCosignature,
    LedgerPosting,
    LedgerSequencer,
    LedgerTransaction,
    LedgerTreeNode,
    LedgerTreeState,
)
from bitnexus.ops.models import DevMail
from bitnexus.platform.models import PlatformAuditEntry
from bitnexus.tenants.models import Tenant, TenantLogo

__all__ = [
    "AuthThrottle",
    "Base",
    "DevMail",
    "Invitation",
    "LedgerAccount",
    "LedgerBalance",
    "LedgerBlock",
    "LedgerCosignature",
    "LedgerPosting",
    "LedgerSequencer",
    "LedgerTransaction",
    "LedgerTreeNode",
    "LedgerTreeState",
    "PasswordResetToken",
    "PlatformAuditEntry",
    "RefreshToken",
    "Tenant",
    "TenantLogo",
    "User",
]
