"""Who is calling: the principal and role dependencies every router uses.

Routers sit above the domains they compose, so this package may read accounts (the user and
tenant behind a token) while `tenants`, `catalog` and the rest depend on it only from `api`.
"""

from bitnexus.accounts.service.sessions import Principal
from bitnexus.auth.deps import (
    CurrentPrincipal,
    PlatformAdmin,
    PrincipalSnapshot,
    ReadPrincipal,
    ReadSessionDep,
    ReadTenantAdmin,
    TenantAdmin,
    VerifiedClaims,
    caller_reads,
    current_principal,
    principal_of,
    reader,
    require_read_role,
    require_role,
    still_allowed,
)

__all__ = [
    "CurrentPrincipal",
    "PlatformAdmin",
    "Principal",
    "PrincipalSnapshot",
    "ReadPrincipal",
    "ReadSessionDep",
    "ReadTenantAdmin",
    "TenantAdmin",
    "VerifiedClaims",
    "caller_reads",
    "current_principal",
    "principal_of",
    "reader",
    "require_read_role",
    "require_role",
    "still_allowed",
]
