"""Every domain's tables, imported in one place for Alembic and metadata checks."""

from bitnexus.accounts.models import (
    AuthThrottle,
    Invitation,
    PasswordResetToken,
    RefreshToken,
    User,
)
from bitnexus.apikeys.models import ApiKey
from bitnexus.catalog.models import Product, ProductImage, ProductReview
from bitnexus.commissions.models import (
    Commission,
    Conversion,
    Coupon,
    FraudHold,
    FraudHoldEvent,
    MemberAddress,
    Refund,
    TierChange,
)
from bitnexus.content.models import CreditUsage, Generation
from bitnexus.core.consumers import ConsumerWatermark
from bitnexus.core.db import Base
from bitnexus.core.mail import DevMail
from bitnexus.core.outbox import OutboxEvent
from bitnexus.groups.models import AffiliateGroup, GroupMember, GroupMove
from bitnexus.ledger.models import (
    LedgerAccount,
    LedgerAlarm,
    LedgerBalance,
    LedgerBlock,
    LedgerCosignature,
    LedgerInstallation,
    LedgerPosting,
    LedgerSigningKey,
    LedgerTransaction,
    LedgerTreeNode,
    LedgerTreeState,
)
from bitnexus.notifications.models import Notification, NotificationPreference
from bitnexus.payouts.models import PayoutBatch, PayoutItem, PayoutMethod
from bitnexus.platform.models import PlatformAuditEntry
from bitnexus.recruiting.models import (
    Application,
    ApplicationQuestion,
    ProgrammeTerms,
    RecruitingRules,
)
from bitnexus.search.models import ProductEmbedding
from bitnexus.tenants.models import Tenant, TenantLogo
from bitnexus.tracking.models import Click, ClickHour, ClickRollup, ClickSalt, Link
from bitnexus.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AffiliateGroup",
    "ApiKey",
    "Application",
    "ApplicationQuestion",
    "AuthThrottle",
    "Base",
    "Click",
    "ClickHour",
    "ClickRollup",
    "ClickSalt",
    "Commission",
    "ConsumerWatermark",
    "Conversion",
    "Coupon",
    "CreditUsage",
    "DevMail",
    "FraudHold",
    "FraudHoldEvent",
    "Generation",
    "GroupMember",
    "GroupMove",
    "Invitation",
    "LedgerAccount",
    "LedgerAlarm",
    "LedgerBalance",
    "LedgerBlock",
    "LedgerCosignature",
    "LedgerInstallation",
    "LedgerPosting",
    "LedgerSigningKey",
    "LedgerTransaction",
    "LedgerTreeNode",
    "LedgerTreeState",
    "Link",
    "MemberAddress",
    "Notification",
    "NotificationPreference",
    "OutboxEvent",
    "PasswordResetToken",
    "PayoutBatch",
    "PayoutItem",
    "PayoutMethod",
    "PlatformAuditEntry",
    "Product",
    "ProductEmbedding",
    "ProductImage",
    "ProductReview",
    "ProgrammeTerms",
    "RecruitingRules",
    "RefreshToken",
    "Refund",
    "Tenant",
    "TenantLogo",
    "TierChange",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
