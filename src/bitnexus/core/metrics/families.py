"""The metrics each process writes as things happen (docs/operations.md, "What to watch").

Label values are bounded: route templates (never raw paths), a fixed set of methods and status
classes, job and witness names from the configuration, login outcomes. No organisation's data
is ever a label value. Under `serve --workers N` every process writes its own values to the
multi-process directory and a scrape adds them up: counters and histograms are summed, and each
gauge says how (`multiprocess_mode`: `livesum` adds the live processes' values, `max` keeps the
newest time any process recorded).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# 0.5 s is the latency objective's threshold (ops/prometheus/alerts.yml): it must be a bound.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_DURATION = Histogram(
    "bitnexus_http_request_duration_seconds",
    "Requests answered, by route template, method and status class, and how long each took.",
    ["route", "method", "status_class"],
    buckets=LATENCY_BUCKETS,
)
HTTP_SERVER_ERRORS = Counter(
    "bitnexus_http_server_errors_total",
    "Answers with a 5xx status, by route template and status (503: the database is out of reach).",
    ["route", "status"],
)
DB_POOL_IN_USE = Gauge(
    "bitnexus_db_pool_connections_in_use",
    "Database connections checked out of the processes' pools.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "bitnexus_db_pool_connections_max",
    "Connections the processes' pools may hold (BITNEXUS_DB_POOL_SIZE per process).",
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "bitnexus_db_pool_waiting",
    "Units of work waiting for a pooled database connection.",
    multiprocess_mode="livesum",
)
DB_ERRORS = Counter(
    "bitnexus_db_errors_total",
    "Statements that failed, by SQLSTATE class (`connection`: the server could not be reached).",
    ["kind"],
)
CLICK_SPOOL_PENDING = Gauge(
    "bitnexus_click_spool_pending_clicks",
    "Clicks in the processes' spools that PostgreSQL does not have yet.",
    multiprocess_mode="livesum",
)
CLICK_SPOOL_LAG = Gauge(
    "bitnexus_click_spool_drain_lag_seconds",
    "Age of the oldest spooled click PostgreSQL does not have yet (0: none waits).",
    multiprocess_mode="livemax",
)
JOB_RUNS = Counter("bitnexus_job_runs_total", "Passes of a background job.", ["name"])
JOB_FAILURES = Counter(
    "bitnexus_job_failures_total", "Passes of a background job that failed.", ["name"]
)
JOB_DURATION = Histogram(
    "bitnexus_job_duration_seconds",
    "How long a background job's pass took.",
    ["name"],
    buckets=(0.01, 0.1, 1.0, 10.0, 60.0, 600.0),
)
JOB_LAST_SUCCESS = Gauge(
    "bitnexus_job_last_success_timestamp_seconds",
    "When a background job last finished a pass without failing (Unix time).",
    ["name"],
    multiprocess_mode="max",
)
JOB_INTERVAL = Gauge(
    "bitnexus_job_interval_seconds",
    "How often a background job runs (its setting).",
    ["name"],
    multiprocess_mode="max",
)
WITNESS_FAILURES = Counter(
    "bitnexus_ledger_witness_failures_total",
    "Checkpoints a witness did not cosign (unreachable, refused, or a bad cosignature).",
    ["witness"],
)
LOGINS = Counter(
    "bitnexus_logins_total",
    "Login attempts: success, failure (wrong credentials), locked_out (refused while throttled).",
    ["outcome"],
)
REFRESH_REUSE = Counter(
    "bitnexus_refresh_token_reuse_total",
    "Rotated refresh tokens presented again (a copied token: its whole family was revoked).",
)
WORKERS = Gauge(
    "bitnexus_worker_processes",
    "Server processes serving requests.",
    multiprocess_mode="livesum",
)
# Read replicas (docs/replicas.md), labelled by the replica's host and port from the settings.
REPLICA_LAG = Gauge(
    "bitnexus_db_replica_lag_seconds",
    "How far a read replica's replay is behind the primary, as last measured (-1: unreachable).",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_USABLE = Gauge(
    "bitnexus_db_replica_usable",
    "Whether reads may go to a replica (1) or it is skipped as down or lagging (0).",
    ["replica"],
    multiprocess_mode="livemin",
)
REPLICA_READS = Counter(
    "bitnexus_db_reads_total",
    "Read-only units of work, by where they ran: `replica`, or `primary` (none usable).",
    ["target"],
)

LOGIN_OUTCOMES = ("success", "failure", "locked_out")
for _outcome in LOGIN_OUTCOMES:  # every outcome from 0, so a rate over the first one is right
    LOGINS.labels(_outcome)
REDIS_FALLBACKS = Counter(
    "bitnexus_redis_fallbacks_total",
    "Uses of Redis (events, links, logins) that fell back to running without it: it could not "
    "be reached.",
    ["use"],
)
