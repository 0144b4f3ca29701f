"""`GET /metrics`: the Prometheus scrape, for a scraper holding `BITNEXUS_METRICS_TOKEN` (sent as
`Authorization: Bearer …`), or, with no token set, for anyone on this machine while a
development server listens on loopback (as the development mailbox). Anything else gets 401
(a token is set, but not this one) or 404 (no token is set: the endpoint is not there)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.errors import NotFound, Unauthorized
from bitnexus.core.metrics.collector import Sources
from bitnexus.core.metrics.exposition import Exporter
from bitnexus.core.security import bearer_token
from bitnexus.ops.api import serves_dev_mailbox
from bitnexus.tracking.recorder import ClickRecorder

router = APIRouter(tags=["ops"])


def scrape_allowed(settings: Settings, authorization: str | None) -> bool:
    """Whether a scrape with this `Authorization` header is answered; raises `NotFound` where
    the endpoint is off."""
    if settings.metrics_token is None:
        if serves_dev_mailbox(settings):  # development, on loopback: this machine's user only
            return True
        raise NotFound("No route at /metrics.")
    given = bearer_token(authorization)
    expected = settings.metrics_token.get_secret_value()
    return given is not None and hmac.compare_digest(given, expected)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Every process's metrics in the Prometheus text format (0.0.4: what Prometheus 2 reads)."""
    settings: Settings = request.app.state.settings
    if not scrape_allowed(settings, request.headers.get("authorization")):
        raise Unauthorized("Send the metrics token as a bearer token.")
    exporter: Exporter = request.app.state.metrics
    return Response(await exporter.scrape(), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def exporter(settings: Settings, dsn: str, db: Database, clicks: ClickRecorder) -> Exporter:
    """A process's exporter: its pool and spool sampled, the rest read at scrape time."""

    async def quarantined() -> int:
        return (await clicks.quarantined()).lines

    sources = Sources(
        dsn=dsn,
        data_dir=settings.data_dir,
        backup_dir=settings.backup_dir,
        spool_dir=clicks.spool_dir,
        quarantined=quarantined,
    )
    return Exporter(db.engine, clicks.backlog, sources)
