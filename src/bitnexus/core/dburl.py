"""Connection URLs for the two database roles: the owner (migrations) and the runtime app role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

from bitnexus.core.config import Settings, read_or_create_secret

APP_ROLE = "bitnexus_app"
OWNER_ROLE = "bitnexus_owner"
EMBEDDED_DATABASE = "bitnexus"


@dataclass(frozen=True)
class DatabaseUrls:
    owner: URL
    app: URL
    # Superuser URL of the embedded server (bootstrap only); None for an external server.
    superuser: URL | None = None
    # The runtime role straight to PostgreSQL when `app` goes through a pooler (None: `app`)
    direct: URL | None = None
    # Runtime URLs of read replicas (`DATABASE_READ_URL`, docs/replicas.md); none: the primary.
    read: tuple[URL, ...] = ()

    @property
    def app_direct(self) -> URL:
        """The runtime role's URL for a connection that keeps session state (LISTEN, a
        session advisory lock): never through a transaction-mode pooler."""
        return self.direct or self.app


def _async(url: URL) -> URL:
    return url.set(drivername="postgresql+psycopg")


def app_password(settings: Settings) -> str:
    return read_or_create_secret(settings.data_dir / "db_app_password", nbytes=24)


def resolve(settings: Settings, embedded_uri: str | None = None) -> DatabaseUrls:
    """Work out both URLs from the settings (and the embedded server's URI when it runs)."""
    if settings.database_url is None:
        if embedded_uri is None:
            raise RuntimeError("the embedded server must be started before resolving its URLs")
        su = make_url(embedded_uri)
        su = su.set(drivername="postgresql+psycopg", password=None)
        owner = su.set(username=OWNER_ROLE, database=EMBEDDED_DATABASE)
        app = su.set(username=APP_ROLE, database=EMBEDDED_DATABASE)
        return DatabaseUrls(owner=owner, app=app, superuser=su, read=read_urls(settings))
    owner = _async(make_url(settings.database_url))
    if settings.database_app_url:
        app = _async(make_url(settings.database_app_url))
    else:
        app = owner.set(username=APP_ROLE, password=app_password(settings))
    direct = (
        _async(make_url(settings.database_direct_url)) if settings.database_direct_url else None
    )
    return DatabaseUrls(owner=owner, app=app, direct=direct, read=read_urls(settings))


def read_urls(settings: Settings) -> tuple[URL, ...]:
    """The replicas' runtime URLs, in the order `DATABASE_READ_URL` lists them."""
    listed = (settings.database_read_url or "").split(",")
    return tuple(_async(make_url(url.strip())) for url in listed if url.strip())


def libpq(url: URL) -> str:
    """A URL psycopg/libpq accepts directly (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
