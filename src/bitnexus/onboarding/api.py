"""Getting-started routes: the checklist of the caller's organisation, and putting it away."""

from __future__ import annotations

from fastapi import APIRouter, status

from bitnexus.auth import TenantAdmin
from bitnexus.core.deps import SessionDep, SettingsDep
from bitnexus.core.errors import Forbidden, errors_for
from bitnexus.onboarding import service
from bitnexus.onboarding.schemas import Onboarding
from bitnexus.tenants import service as tenants

router = APIRouter(prefix="/tenant/onboarding", tags=["tenant"])


@router.get("", responses=errors_for(Forbidden))
async def get_onboarding(
    admin: TenantAdmin, session: SessionDep, settings: SettingsDep
) -> Onboarding:
    """The getting-started steps and which are done (read from what the organisation has)."""
    return await service.checklist(session, settings, admin.tenant)


@router.post("/dismiss", status_code=status.HTTP_204_NO_CONTENT, responses=errors_for(Forbidden))
async def dismiss_onboarding(admin: TenantAdmin, session: SessionDep) -> None:
    """Put the checklist away for every admin of the organisation (it stays readable)."""
    await tenants.dismiss_onboarding(session, admin.tenant)
