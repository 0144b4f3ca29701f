"""The sale desk: what vendors' servers report with API keys, recorded in batches.

The reports of one tenant that reach a process together share one unit of work
(`core.groupcommit.TenantUnits`): each distinct key is checked once, the sales are recorded with
`conversions.record_many` (set-based reads, one statement per table), and every report gets the
answer it would have had alone, once the batch has committed. A sale whose click is not stored
yet goes into a later batch (up to `attribution.CLICK_SETTLE` after the click) without holding
up the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.apikeys import service as apikeys
from bitnexus.apikeys.errors import InvalidApiKey
from bitnexus.apikeys.models import PREFIXES, Mode, Scope
from bitnexus.apikeys.service import KeyPrincipal
from bitnexus.commissions.schemas import ConversionCreate, LeadCreate
from bitnexus.commissions.service import conversions
from bitnexus.commissions.service.attribution import NotYet
from bitnexus.commissions.service.conversions import Recorded, Reporter, sale_of
from bitnexus.core.db import Database
from bitnexus.core.errors import BitnexusError
from bitnexus.core.groupcommit import LATER, Later, TenantUnits
from bitnexus.core.tokens import parse_token

GATHER_SECONDS = 0.005  # a batch waits this long for the reports arriving with it
_Report = tuple[str, ConversionCreate | LeadCreate]  # the raw API key, the sale or lead


class SaleDesk:
    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 16,
        in_flight: int = 2,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self._batches: TenantUnits[_Report, Recorded] = TenantUnits(
            db,
            self._record,
            max_batch=max_batch,
            in_flight=in_flight,
            gather_seconds=gather_seconds,
        )

    async def report(self, key: str, body: ConversionCreate | LeadCreate) -> Recorded:
        """Record a sale reported with an API key of scope conversions:write (see
        `conversions.record`); returns once it is committed, or raises why it was refused."""
        token = parse_token(key, tuple(PREFIXES.values()))
        if token is None:
            raise InvalidApiKey("The API key is malformed.")
        return await self._batches.submit(token.tenant_id, (key, body))

    async def close(self) -> None:
        """Wait for every report received to be answered."""
        await self._batches.close()

    async def _record(
        self, session: AsyncSession, reports: Sequence[_Report]
    ) -> list[Recorded | BitnexusError | Later]:
        """One tenant's reports in its unit of work: each distinct key checked once."""
        callers: dict[str, KeyPrincipal | BitnexusError] = {}
        for key, _ in reports:
            if key not in callers:
                try:
                    callers[key] = await apikeys.authenticate(session, key, Scope.conversions_write)
                except BitnexusError as refused:
                    callers[key] = refused
        sales = [
            sale_of(Reporter(c.tenant, c.user, "api", test=c.key.mode == Mode.test), body)
            for key, body in reports
            if isinstance(c := callers[key], KeyPrincipal)
        ]
        recorded = iter(await conversions.record_many(session, sales))
        outcomes: list[Recorded | BitnexusError | Later] = []
        for key, _ in reports:
            caller = callers[key]
            outcome = caller if isinstance(caller, BitnexusError) else next(recorded)
            outcomes.append(LATER if isinstance(outcome, NotYet) else outcome)
        return outcomes
