"""Configuration from environment variables (see `.env.example` and the README)."""

from __future__ import annotations

import contextlib
import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    production = "production"
    test = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    env: Environment = Field(Environment.development, alias="BITNEXUS_ENV")
    data_dir: Path = Field(Path("var"), alias="BITNEXUS_DATA_DIR")
    # Owner connection (runs migrations). Unset: the embedded PostgreSQL in the data dir is used.
    database_url: str | None = Field(None, alias="DATABASE_URL")
    # Runtime connection (owns nothing, cannot bypass RLS). Unset: derived from the owner URL with
    # the role `bitnexus_app` and the password kept in the data dir.
    database_app_url: str | None = Field(None, alias="DATABASE_APP_URL")
    secret_key: SecretStr | None = Field(None, alias="BITNEXUS_SECRET_KEY")
    host: str = Field("127.0.0.1", alias="BITNEXUS_HOST")
    port: int = Field(8000, alias="BITNEXUS_PORT")
    public_url: str | None = Field(None, alias="BITNEXUS_PUBLIC_URL")
    access_token_minutes: int = Field(15, alias="BITNEXUS_ACCESS_TOKEN_MINUTES", ge=1, le=60)
    refresh_token_days: int = Field(14, alias="BITNEXUS_REFRESH_TOKEN_DAYS", ge=1, le=90)
    log_level: str = Field("INFO", alias="BITNEXUS_LOG_LEVEL")
    log_format: Literal["auto", "json", "console"] = Field("auto", alias="BITNEXUS_LOG_FORMAT")
    smtp_url: str | None = Field(None, alias="SMTP_URL")
    mail_from: str = Field("BitNexus <no-reply@bitnexus.local>", alias="BITNEXUS_MAIL_FROM")
    db_pool_size: int = Field(10, alias="BITNEXUS_DB_POOL_SIZE", ge=1)
    max_body_bytes: int = Field(1_048_576, alias="BITNEXUS_MAX_BODY_BYTES", ge=1024)
    # Server limits: the request head (request line and headers, 431 beyond) and its number of
    # headers; requests and connections served at once per process (503 beyond) and the listen
    # backlog; how long an idle keep-alive connection stays open; how long a stop waits for
    # requests in flight before cancelling them.
    max_header_bytes: int = Field(32_768, alias="BITNEXUS_MAX_HEADER_BYTES", ge=1024)
    max_headers: int = Field(100, alias="BITNEXUS_MAX_HEADERS", ge=10)
    max_concurrency: int = Field(1000, alias="BITNEXUS_MAX_CONCURRENCY", ge=1)
    backlog: int = Field(2048, alias="BITNEXUS_BACKLOG", ge=1)
    keep_alive_seconds: int = Field(5, alias="BITNEXUS_KEEP_ALIVE_SECONDS", ge=1)
    shutdown_seconds: int = Field(10, alias="BITNEXUS_SHUTDOWN_SECONDS", ge=0)
    # how often a long-lived stream (SSE) re-checks its caller between the events it sends
    stream_recheck_seconds: float = Field(
        15.0, alias="BITNEXUS_STREAM_RECHECK_SECONDS", gt=0, le=15
    )
    # Failed-login throttling: failures allowed inside the window before a lockout.
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_window_seconds: int = 900
    # Ledger checkpoints (docs/ledger.md): origin host (a new log's origin line is
    # "<host>/<installation id>/<tenant slug>"), a master secret every organisation's signing
    # key is derived from (unset: one random key file per organisation and key version in the
    # key directory, by default <data dir>/ledger-keys).
    ledger_origin_host: str = Field("bitnexus.local", alias="BITNEXUS_LEDGER_ORIGIN_HOST")
    ledger_key: SecretStr | None = Field(None, alias="BITNEXUS_LEDGER_KEY")
    ledger_key_dir: Path = Field(None, alias="BITNEXUS_LEDGER_KEY_DIR", validate_default=True)
    # The in-process sealer: a tenant's new transactions are sealed into a block once this many
    # are pending, or when the oldest pending one has waited this long. 0 seconds: no sealer.
    ledger_seal_seconds: float = Field(5.0, alias="BITNEXUS_LEDGER_SEAL_SECONDS", ge=0)
    ledger_seal_leaves: int = Field(1000, alias="BITNEXUS_LEDGER_SEAL_LEAVES", ge=1)
    # how often the maturer moves commissions past their refund hold to available (0: never)
    # how often settled hours of clicks are rolled up for the dashboards (0: never)
    rollup_seconds: float = Field(60.0, alias="BITNEXUS_ROLLUP_SECONDS", ge=0)
    # how often the payout schedule is checked (0: batches are only made by admins)
    payout_schedule_seconds: float = Field(300.0, alias="BITNEXUS_PAYOUT_SCHEDULE_SECONDS", ge=0)
    commission_mature_seconds: float = Field(60.0, alias="BITNEXUS_COMMISSION_MATURE_SECONDS", ge=0)
    # how often notifications due by mail are mailed (0: never, by this process)
    notify_mail_seconds: float = Field(10.0, alias="BITNEXUS_NOTIFY_MAIL_SECONDS", ge=0)
    # how long domain events stay in the outbox for reconnecting clients and catching-up jobs
    outbox_retention_days: float = Field(7.0, alias="BITNEXUS_OUTBOX_RETENTION_DAYS", gt=0)
    # The WebSocket (docs/realtime.md): how often a socket's caller is checked again; how long
    # a socket may stay silent (not even a ping) before it is closed; the topics one socket may
    # join; the sockets one user and one organisation may hold open in one process; the events
    # queued for one socket before it is dropped as too slow.
    socket_revalidate_seconds: float = Field(
        15.0, alias="BITNEXUS_SOCKET_REVALIDATE_SECONDS", gt=0, le=15
    )
    socket_idle_seconds: float = Field(60.0, alias="BITNEXUS_SOCKET_IDLE_SECONDS", gt=0, le=3600)
    socket_max_topics: int = Field(32, alias="BITNEXUS_SOCKET_MAX_TOPICS", ge=1, le=1000)
    socket_max_per_user: int = Field(8, alias="BITNEXUS_SOCKET_MAX_PER_USER", ge=1)
    socket_max_per_tenant: int = Field(2000, alias="BITNEXUS_SOCKET_MAX_PER_TENANT", ge=1)
    socket_queue: int = Field(1000, alias="BITNEXUS_SOCKET_QUEUE", ge=1)
    # Witnesses that cosign every checkpoint: a JSON list of "<url> <verifier key>" strings.
    witnesses: list[str] = Field(default_factory=list, alias="BITNEXUS_WITNESSES")
    frontend_dist: Path = Field(Path("frontend/dist"), alias="BITNEXUS_FRONTEND_DIST")
    # The redirect: how long a process trusts what it read about a link (a paused link stops
    # redirecting to its product within this time), and the header a trusted proxy in front
    # puts the visitor's country in (ISO 3166 alpha-2, e.g. CF-IPCountry); unset, the country
    # is looked up offline from the visitor's address.
    link_cache_seconds: float = Field(5.0, alias="BITNEXUS_LINK_CACHE_SECONDS", ge=0, le=300)
    country_header: str | None = Field(None, alias="BITNEXUS_COUNTRY_HEADER")
    # While the database cannot be reached, a link answers with the target its process last
    # read, if read at most this long ago, for at most this many links (least recently
    # clicked go first; 0: none).
    link_outage_seconds: float = Field(86_400.0, alias="BITNEXUS_LINK_OUTAGE_SECONDS", ge=0)
    link_outage_links: int = Field(20_000, alias="BITNEXUS_LINK_OUTAGE_LINKS", ge=0)
    # Marketing content (docs/content.md): the writer ("template": offline, the default unless
    # GEMINI_API_KEY is set; "openai": any OpenAI-compatible chat completions server; "gemini"),
    # its address, model and key, and how long one generation may take.
    content_provider: Literal["template", "openai", "gemini"] | None = Field(
        None, alias="BITNEXUS_CONTENT_PROVIDER"
    )
    content_openai_base_url: str = Field(
        "https://api.openai.com/v1", alias="BITNEXUS_CONTENT_OPENAI_BASE_URL"
    )
    content_openai_model: str = Field("gpt-4o-mini", alias="BITNEXUS_CONTENT_OPENAI_MODEL")
    content_openai_api_key: SecretStr | None = Field(None, alias="BITNEXUS_CONTENT_OPENAI_API_KEY")
    gemini_api_key: SecretStr | None = Field(None, alias="GEMINI_API_KEY")
    content_gemini_model: str = Field("gemini-2.5-flash", alias="BITNEXUS_CONTENT_GEMINI_MODEL")
    content_gemini_base_url: str | None = Field(None, alias="BITNEXUS_CONTENT_GEMINI_BASE_URL")
    content_timeout_seconds: float = Field(
        30.0, alias="BITNEXUS_CONTENT_TIMEOUT_SECONDS", gt=0, le=300
    )
    # Search: semantic matching (off: keywords only, the model never loads), how often the
    # indexer embeds changed products and how many at a time (0 s: never; `bitnexus search
    # reindex` still does), the CPU threads the model may use (the rest serve requests), and
    # how long its process polls for the next query before it sleeps (CPU spent for latency:
    # a query that finds it polling runs faster; 0: it sleeps at once).
    search_semantic: bool = Field(True, alias="BITNEXUS_SEARCH_SEMANTIC")
    search_index_seconds: float = Field(10.0, alias="BITNEXUS_SEARCH_INDEX_SECONDS", ge=0)
    search_index_batch: int = Field(64, alias="BITNEXUS_SEARCH_INDEX_BATCH", ge=1, le=1024)
    embed_threads: int = Field(1, alias="BITNEXUS_EMBED_THREADS", ge=1, le=64)
    embed_spin_ms: float = Field(10.0, alias="BITNEXUS_EMBED_SPIN_MS", ge=0, le=1000)

    # Outgoing webhooks (docs/webhooks.md): whether endpoints may resolve to private, loopback
    # or other non-public addresses (off: refused, against server-side request forgery), how
    # often due deliveries are sent (0 s: never, tests send them), how long one POST may take;
    # when a failing endpoint is disabled: after this many failed attempts in a row, the
    # first at least this many days ago; and how long finished deliveries stay in the log.
    webhooks_allow_private: bool = Field(False, alias="BITNEXUS_WEBHOOKS_ALLOW_PRIVATE")
    webhooks_poll_seconds: float = Field(1.0, alias="BITNEXUS_WEBHOOKS_POLL_SECONDS", ge=0)
    webhooks_timeout_seconds: float = Field(
        10.0, alias="BITNEXUS_WEBHOOKS_TIMEOUT_SECONDS", gt=0, le=60
    )
    webhooks_disable_failures: int = Field(15, alias="BITNEXUS_WEBHOOKS_DISABLE_FAILURES", ge=1)
    webhooks_disable_days: float = Field(5.0, alias="BITNEXUS_WEBHOOKS_DISABLE_DAYS", ge=0)
    webhooks_log_days: float = Field(30.0, alias="BITNEXUS_WEBHOOKS_LOG_DAYS", gt=0)

    # `/metrics` (docs/operations.md): the bearer token a scraper sends. Unset, only a
    # development server listening on loopback answers it; any other answers 404.
    metrics_token: SecretStr | None = Field(None, alias="BITNEXUS_METRICS_TOKEN")
    # Backups (docs/backup.md): where base backups and the WAL archive go (unset: <data
    # dir>/backups), how long base backups are kept, whether the embedded server archives its
    # WAL and how often at least (the most recent writes a lost disk can take with it), the
    # `age` recipient base backups are encrypted to (unset: plain), and a second directory
    # every backup and archived WAL segment is copied to (e.g. a mounted remote disk).
    backup_dir: Path = Field(None, alias="BITNEXUS_BACKUP_DIR", validate_default=True)
    backup_retention_days: float = Field(30.0, alias="BITNEXUS_BACKUP_RETENTION_DAYS", gt=0)
    wal_archive: bool = Field(True, alias="BITNEXUS_WAL_ARCHIVE")
    wal_archive_timeout_seconds: int = Field(
        60, alias="BITNEXUS_WAL_ARCHIVE_TIMEOUT_SECONDS", ge=1, le=3600
    )
    backup_age_recipient: str | None = Field(None, alias="BITNEXUS_BACKUP_AGE_RECIPIENT")
    backup_copy_to: Path | None = Field(None, alias="BITNEXUS_BACKUP_COPY_TO")
    # Connection pooler (docs/pooling.md): "transaction" when DATABASE_APP_URL reaches
    # PostgreSQL through a transaction-mode pooler such as PgBouncer (no prepared statement
    # outlives its transaction, no session state); then DATABASE_DIRECT_URL is the runtime
    # role straight to PostgreSQL, for the connections that must keep their session (the
    # outbox LISTEN, the event consumers' advisory locks, metrics). Unset: the runtime URL.
    db_pooler: Literal["none", "transaction"] = Field("none", alias="BITNEXUS_DB_POOLER")
    database_direct_url: str | None = Field(None, alias="DATABASE_DIRECT_URL")

    # Read replicas (docs/replicas.md): runtime-role URLs of streaming replicas, comma-separated
    # (unset: every read goes to the primary); the replay lag past which a replica is skipped
    # until it catches up; how often each replica's lag is measured (0: never, tests measure);
    # how long a connection to one may take before it counts as down.
    database_read_url: str | None = Field(None, alias="DATABASE_READ_URL")
    replica_max_lag_seconds: float = Field(5.0, alias="BITNEXUS_REPLICA_MAX_LAG_SECONDS", gt=0)
    replica_check_seconds: float = Field(2.0, alias="BITNEXUS_REPLICA_CHECK_SECONDS", ge=0)
    replica_connect_seconds: float = Field(
        2.0, alias="BITNEXUS_REPLICA_CONNECT_SECONDS", gt=0, le=60
    )

    # The web app on its own origin (docs/deploy-origin.md): the origins (scheme://host[:port],
    # comma-separated) whose pages may call the API with credentials; set, the refresh cookie
    # is `SameSite=None; Secure` and only those origins (or this one) may use it. Unset: no
    # CORS, the app is served by this server. And the app's public URL, for the links to its
    # pages the API hands out and mails (unset: the public URL).
    cors_origins: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), alias="BITNEXUS_CORS_ORIGINS"
    )
    app_public_url: str | None = Field(None, alias="BITNEXUS_APP_URL")

    # Redis (docs/redis.md), optional: unset, nothing uses it. Set (redis://host:6379/0), it
    # carries the outbox's events between processes, a link cache shared by them and the
    # failed-login counters; while it cannot be reached each falls back to what runs without
    # it. Its keys start with the prefix (several installations may share one server), and a
    # command waits at most the timeout (the redirect waits for it on a local cache miss).
    redis_url: SecretStr | None = Field(None, alias="REDIS_URL")
    redis_prefix: str = Field("bitnexus", alias="BITNEXUS_REDIS_PREFIX", min_length=1)
    redis_timeout_seconds: float = Field(0.5, alias="BITNEXUS_REDIS_TIMEOUT_SECONDS", gt=0, le=30)

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _backup_dir_in_data_dir(cls, value: object, info: ValidationInfo) -> object:
        return value if value not in (None, "") else Path(info.data["data_dir"]) / "backups"

    @field_validator("ledger_key_dir", mode="before")
    @classmethod
    def _ledger_key_dir_in_data_dir(cls, value: object, info: ValidationInfo) -> object:
        return value if value not in (None, "") else Path(info.data["data_dir"]) / "ledger-keys"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _exact_origins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return frozenset(web_origin(o) for o in value.split(",") if o.strip())

    @property
    def is_development(self) -> bool:
        return self.env != Environment.production

    @property
    def content_writer(self) -> Literal["template", "openai", "gemini"]:
        """The content provider in use: as set, else Gemini when its key is set, else template."""
        if self.content_provider is not None:
            return self.content_provider
        return "gemini" if self.gemini_api_key is not None else "template"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def app_url(self) -> str:
        """Where the web app's pages are: its own origin's URL, else the API's."""
        return (self.app_public_url or self.base_url).rstrip("/")

    @cached_property
    def secret(self) -> str:
        """The signing secret: from the environment, or generated once into the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return read_or_create_secret(self.data_dir / "secret_key")


def web_origin(text: str) -> str:
    """An origin as browsers send it (`https://app.example.com`, `http://localhost:5173`):
    lower-case, no path, no trailing slash. Anything else is refused, `*` included (a wildcard
    cannot go with credentials)."""
    value = text.strip().lower().removesuffix("/")
    parts = urlsplit(value)
    bare = f"{parts.scheme}://{parts.netloc}" == value and "@" not in parts.netloc
    if parts.scheme not in ("http", "https") or not parts.hostname or not bare:
        raise ValueError(f"{text.strip()!r} is not an origin like https://app.example.com")
    return value


def read_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored at `path`, creating it (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_urlsafe(nbytes))
        tmp.chmod(0o600)
        # link() refuses to replace an existing file, so concurrent first runs agree on one value.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    return path.read_text().strip()


def get_settings() -> Settings:
    return Settings()
