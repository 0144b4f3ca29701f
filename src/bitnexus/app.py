"""The ASGI application: API under /api/v1, docs under /api, the SPA everywhere else."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from bitnexus import __version__
from bitnexus.accounts import api as accounts_api
from bitnexus.analytics import api as analytics_api
from bitnexus.apikeys import api as apikeys_api
from bitnexus.catalog import api as catalog_api
from bitnexus.commissions import api as commissions_api
from bitnexus.commissions import jobs as commissions_jobs
from bitnexus.commissions.service.desk import SaleDesk
from bitnexus.content import api as content_api
from bitnexus.core import early, events, openapi, periodic, static
from bitnexus.core.config import Settings, get_settings
from bitnexus.core.consumers import Consumer
from bitnexus.core.cors import Cors
from bitnexus.core.db import Database
from bitnexus.core.dburl import DatabaseUrls, libpq
from bitnexus.core.errors import MethodNotAllowed, NotFound
from bitnexus.core.events import Dispatcher
from bitnexus.core.http import (
    RequestContextMiddleware,
    StrictTransportSecurity,
    install_error_handlers,
    strict_transport,
)
from bitnexus.core.inputs import InputGuard
from bitnexus.core.logging import configure_logging
from bitnexus.core.metrics import requests as request_metrics
from bitnexus.core.provision import database_urls, migration_head
from bitnexus.core.redis import Shared
from bitnexus.core.relay import Relay
from bitnexus.core.replicas import Reads
from bitnexus.groups import api as groups_api
from bitnexus.ledger import api as ledger_api
from bitnexus.ledger import jobs as ledger_jobs
from bitnexus.notifications import api as notifications_api
from bitnexus.notifications import mailer as notification_mailer
from bitnexus.notifications import service as notifications
from bitnexus.onboarding import api as onboarding_api
from bitnexus.ops import api as ops_api
from bitnexus.ops import metrics as ops_metrics
from bitnexus.payouts import api as payouts_api
from bitnexus.payouts import jobs as payout_jobs
from bitnexus.platform import api as platform_api
from bitnexus.realtime import api as realtime_api
from bitnexus.realtime.limits import Sockets
from bitnexus.recruiting import api as recruiting_api
from bitnexus.search import api as search_api
from bitnexus.search import embedder as embedding
from bitnexus.search import jobs as search_jobs
from bitnexus.tenants import api as tenants_api
from bitnexus.tracking import api as tracking_api
from bitnexus.tracking import rollups as click_rollups
from bitnexus.tracking.recorder import ClickRecorder
from bitnexus.tracking.service.redirect import LinkResolver
from bitnexus.webhooks import api as webhooks_api
from bitnexus.webhooks import fanout as webhooks_fanout
from bitnexus.webhooks import jobs as webhooks_jobs

API_PREFIX = "/api/v1"
OPENAPI_URL = "/api/openapi.json"


# Hot paths first: FastAPI matches a request against each included router in turn (each
# router passed over costs a scan of all its routes). GET /me is read by every page of the web
# app; sales reported by machines come next, then the marketplace's search box.
API_ROUTERS = (
    accounts_api.me_router,
    commissions_api.router,
    search_api.router,  # before the catalog's: /products/search is not a product id
    accounts_api.auth_router,
    accounts_api.public_router,
    tenants_api.public_router,
    tenants_api.router,
    tenants_api.currencies_router,
    onboarding_api.router,
    recruiting_api.public_router,
    recruiting_api.router,
    groups_api.router,
    accounts_api.users_router,
    accounts_api.invitations_router,
    platform_api.router,
    ledger_api.public_router,
    ledger_api.router,
    ledger_api.mirror_router,
    apikeys_api.router,
    search_api.me_router,
    catalog_api.router,
    catalog_api.market_router,
    catalog_api.vetting_router,
    catalog_api.public_router,
    tracking_api.router,
    commissions_api.commissions_router,
    commissions_api.coupons_router,
    commissions_api.sdk_router,
    commissions_api.holds_router,
    commissions_api.leads_router,
    payouts_api.router,
    payouts_api.batches_router,
    analytics_api.router,
    analytics_api.affiliates_router,
    content_api.router,
    notifications_api.router,
    notifications_api.public_router,
    ops_api.router,
    realtime_api.router,
    webhooks_api.router,
)


def from_environment() -> FastAPI:
    """The app of one worker process of `bitnexus serve --workers N`: its settings from the
    environment, the database already migrated (and the embedded server started) by the parent."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, database_urls(settings))


def create_app(settings: Settings, urls: DatabaseUrls) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pooled = settings.db_pooler == "transaction"
        app.state.db = Database(urls.app, pool_size=settings.db_pool_size, pooled=pooled)
        app.state.reads = Reads(
            app.state.db,
            urls.read,
            max_lag_seconds=settings.replica_max_lag_seconds,
            pool_size=settings.db_pool_size,
            connect_seconds=settings.replica_connect_seconds,
        )
        await app.state.reads.check()  # replicas serve from the first request
        replicas = (
            asyncio.create_task(
                periodic.every(
                    "replica_lag",
                    settings.replica_check_seconds,
                    app.state.reads.check,
                    failed="replicas.check_failed",
                )
            )
            if urls.read and settings.replica_check_seconds > 0
            else None
        )
        app.state.links = LinkResolver(app.state.db, settings, app.state.redis)
        app.state.clicks = ClickRecorder(app.state.db, settings.data_dir / "clicks-spool")
        app.state.clicks.start()
        app.state.metrics = ops_metrics.exporter(
            settings, libpq(urls.app_direct), app.state.db, app.state.clicks
        )
        sampler = asyncio.create_task(app.state.metrics.sampler.run())
        app.state.sales = SaleDesk(app.state.db)
        # LISTEN keeps its session: never through a transaction-mode pooler
        app.state.relay = Relay(libpq(urls.app_direct), app.state.redis)  # with Redis only
        app.state.relay.start()
        app.state.events = Dispatcher(libpq(urls.app_direct), shared=app.state.redis)
        await app.state.events.start()
        app.state.sockets = Sockets()
        migration_head()  # read the migrations directory before the first readiness probe
        # one model per process, loaded by the first search or the first batch to embed
        app.state.embedder = (
            embedding.shared(settings.embed_threads, settings.embed_spin_ms / 1000)
            if settings.search_semantic
            else None
        )
        indexer = (
            asyncio.create_task(
                search_jobs.run_indexer(
                    app.state.db,
                    app.state.embedder,
                    settings.search_index_seconds,
                    settings.search_index_batch,
                )
            )
            if settings.search_semantic and settings.search_index_seconds > 0
            else None
        )
        sealer = (
            asyncio.create_task(ledger_jobs.run_sealer(app.state.db, settings))
            if settings.ledger_seal_seconds > 0
            else None
        )
        maturer = (
            asyncio.create_task(
                commissions_jobs.run_maturer(app.state.db, settings.commission_mature_seconds)
            )
            if settings.commission_mature_seconds > 0
            else None
        )
        rollups = (
            asyncio.create_task(click_rollups.run_rollups(app.state.db, settings.rollup_seconds))
            if settings.rollup_seconds > 0
            else None
        )
        payouts = (
            asyncio.create_task(
                payout_jobs.run_scheduler(app.state.db, settings.payout_schedule_seconds)
            )
            if settings.payout_schedule_seconds > 0
            else None
        )
        # every event to the webhooks' deliveries (durable: catches up from its watermark)
        app.state.webhooks = Consumer(
            webhooks_fanout.CONSUMER,
            webhooks_fanout.enqueuer(app.state.db),
            dispatcher=app.state.events,
            dsn=libpq(urls.app_direct),  # a session advisory lock: never pooled
        )
        await app.state.webhooks.start()
        # every event that concerns people to their notifications (durable, as the webhooks)
        app.state.notifications = Consumer(
            notifications.CONSUMER,
            notifications.recorder(app.state.db),
            dispatcher=app.state.events,
            dsn=libpq(urls.app_direct),  # a session advisory lock: never pooled
        )
        await app.state.notifications.start()
        deliveries = (
            asyncio.create_task(webhooks_jobs.run_deliveries(app.state.db, settings))
            if settings.webhooks_poll_seconds > 0
            else None
        )
        pruner = asyncio.create_task(
            events.run_pruner(app.state.db, settings.outbox_retention_days)
        )
        mailer = (
            asyncio.create_task(
                notification_mailer.run_mailer(app.state.db, settings, settings.notify_mail_seconds)
            )
            if settings.notify_mail_seconds > 0
            else None
        )
        # cached redirects answered by the HTTP protocol itself (core.early)
        answer = functools.partial(tracking_api.answer_early, state=app.state)
        early.install(answer, tracking_api.REDIRECT_PREFIX)
        try:
            yield
        finally:
            early.uninstall()
            jobs = (
                *(sealer, maturer, rollups, payouts, pruner, indexer, mailer, deliveries, sampler),
                replicas,
            )
            for job in jobs:
                if job is not None:
                    job.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await job
            await app.state.webhooks.close()
            await app.state.notifications.close()
            await app.state.sales.close()
            await app.state.events.close()
            await app.state.relay.close()
            await app.state.clicks.close()
            app.state.metrics.sampler.close()
            await app.state.reads.dispose()
            await app.state.db.dispose()
            await app.state.redis.close()

    app = FastAPI(
        title="BitNexus API",
        version=__version__,
        summary="Multi-tenant affiliate marketplace with a verifiable commission ledger.",
        openapi_url=None,  # served by _mount_docs, compressed
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # no OpenTelemetry exporter is configured: skip the per-request provider lookups
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.redis = Shared.of(settings)  # connects on first use; unconfigured: never
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    for router in API_ROUTERS:  # each straight under the app: nesting multiplies matching work
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(ops_api.health_router)
    app.include_router(ops_metrics.router)
    # (redirects are answered before the router, by RedirectsFirst: these document them)
    app.router.routes.extend(tracking_api.REDIRECT_ROUTES)
    app.router.routes.extend(commissions_api.SDK_ROUTES)
    if ops_api.serves_dev_mailbox(settings):
        app.include_router(ops_api.dev_router, prefix=API_PREFIX)
    _mount_docs(app)
    request_metrics.learn_routes(app.router.routes)
    _mount_spa(app, settings.frontend_dist)
    openapi.install(app)
    # Redirects are answered in front of every other layer (tracking.api.RedirectsFirst), and
    # only paths and queries free of control characters reach them or anything (core.inputs).
    # Searches are answered in front of the framework's layers (search.api.SearchFirst). CORS,
    # when the web app has an origin of its own, wraps all the rest, errors included.
    stack: ASGIApp = search_api.SearchFirst(app.build_middleware_stack(), app.state, API_PREFIX)
    if settings.cors_origins:
        stack = Cors(stack, settings.cors_origins)
    app.middleware_stack = InputGuard(tracking_api.RedirectsFirst(stack, app.state), app.router)
    if strict_transport(settings.base_url):
        app.middleware_stack = StrictTransportSecurity(app.middleware_stack)
    return app


def _mount_docs(app: FastAPI) -> None:
    document: list[static.GzippedBody] = []  # built on first request, after every route exists

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi_document(request: Request) -> Response:
        if not document:
            body = json.dumps(app.openapi(), separators=(",", ":")).encode()
            document.append(static.GzippedBody(body, "application/json"))
        return document[0].response(request.headers.get("accept-encoding", ""))

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="BitNexus API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
        )


def _mount_spa(app: FastAPI, dist: Path) -> None:
    """Serve the built SPA when no route matched: real files as they are, else index.html.

    It is the router's fallback, so a path an API route serves with other methods still gets
    the router's own 405, and nothing under /api is ever shadowed (an unknown API path is a
    problem+json 404).
    """
    root = dist.resolve()

    async def spa(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == "/api" or path.startswith("/api/"):
            raise NotFound(f"No API route at {path}.")
        if scope["method"] not in {"GET", "HEAD"}:
            raise MethodNotAllowed(headers={"Allow": "GET, HEAD"})
        relative = path.lstrip("/")
        candidate = (root / relative).resolve()
        response: Response
        if relative and candidate.is_file() and candidate.is_relative_to(root):
            immutable = relative.startswith("assets/")
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            response = static.file_response(
                candidate, _accept_encoding(scope), {"Cache-Control": cache}
            )
        elif (root / "index.html").is_file():
            response = static.file_response(
                root / "index.html", _accept_encoding(scope), {"Cache-Control": "no-cache"}
            )
        else:
            response = HTMLResponse(
                "<h1>BitNexus</h1><p>The web app is not built; run <code>make run</code>.</p>",
                status_code=503,
            )
        await response(scope, receive, send)

    app.router.default = spa


def _accept_encoding(scope: Scope) -> str:
    return Headers(scope=scope).get("accept-encoding", "")
