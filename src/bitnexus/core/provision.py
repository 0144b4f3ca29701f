"""Bring a database to a usable state: server checks, roles, extensions, migrations.

Embedded mode: as the server's superuser, create the owner role (runs migrations, owns the
schema, not a superuser) and the runtime role (owns nothing, NOBYPASSRLS), the database and the
extensions. External mode: DATABASE_URL is the owner; the server must be PostgreSQL >= 15 with
the `vector` extension available. Without DATABASE_APP_URL the runtime role's password is this
data directory's (`db_app_password`), set at every migration: hosts sharing a database must
set DATABASE_APP_URL instead (docs/capacity.md, "Several hosts").
"""

from __future__ import annotations

import functools
from pathlib import Path

import psycopg
import structlog
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import create_engine, text

from bitnexus.core import embedded_postgres
from bitnexus.core.config import Settings
from bitnexus.core.dburl import (
    APP_ROLE,
    EMBEDDED_DATABASE,
    OWNER_ROLE,
    DatabaseUrls,
    app_password,
    libpq,
    resolve,
)

log = structlog.get_logger(__name__)

MIN_SERVER_VERSION = 150000
EXTENSIONS = ("vector", "pg_trgm")
MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


class DatabaseNotSuitable(RuntimeError):
    """The configured server cannot run BitNexus (explains why)."""


def database_urls(settings: Settings) -> DatabaseUrls:
    """Start the embedded server if needed and return the two URLs (no schema changes)."""
    if settings.db_pooler == "transaction" and not (
        settings.database_url and settings.database_direct_url
    ):
        raise DatabaseNotSuitable(
            "BITNEXUS_DB_POOLER=transaction needs DATABASE_URL (the owner, straight to "
            "PostgreSQL) and DATABASE_DIRECT_URL (the runtime role, straight to PostgreSQL): "
            "see docs/pooling.md"
        )
    if settings.database_url is None:
        return resolve(settings, embedded_postgres.start(settings.data_dir, archiving(settings)))
    return resolve(settings)


def archiving(settings: Settings) -> embedded_postgres.Archiving | None:
    """How the embedded server archives its WAL (docs/backup.md); None: it does not."""
    if not settings.wal_archive:
        return None
    directories = [settings.backup_dir / "wal"]
    if settings.backup_copy_to is not None:
        directories.append(settings.backup_copy_to / "wal")
    return embedded_postgres.Archiving(
        tuple(d.resolve() for d in directories), settings.wal_archive_timeout_seconds
    )


def _bootstrap_embedded(urls: DatabaseUrls) -> None:
    assert urls.superuser is not None
    with psycopg.connect(libpq(urls.superuser), autocommit=True) as conn:
        for role, attrs in (
            (OWNER_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
            (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT"),
        ):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(f"{verb} ROLE {{}} {attrs}").format(sql.Identifier(role)))
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DATABASE,)
        ).fetchone():
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                    sql.Identifier(EMBEDDED_DATABASE), sql.Identifier(OWNER_ROLE)
                )
            )
    db_url = urls.superuser.set(database=EMBEDDED_DATABASE)
    with psycopg.connect(libpq(db_url), autocommit=True) as conn:
        for ext in EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(OWNER_ROLE)))


def _check_external(urls: DatabaseUrls, settings: Settings) -> None:
    try:
        conn = psycopg.connect(libpq(urls.owner), autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseNotSuitable(f"cannot connect with DATABASE_URL: {exc}") from exc
    with conn:
        version = int(conn.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]
        if version < MIN_SERVER_VERSION:
            raise DatabaseNotSuitable(
                f"PostgreSQL {version // 10000} is too old: BitNexus needs 15 or newer."
            )
        available = {
            r[0] for r in conn.execute("SELECT name FROM pg_available_extensions").fetchall()
        }
        if "vector" not in available:
            raise DatabaseNotSuitable(
                "the server lacks the `vector` extension (pgvector); install it and retry."
            )
        for ext in EXTENSIONS:
            try:
                conn.execute(
                    sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext))
                )
            except psycopg.Error as exc:
                raise DatabaseNotSuitable(
                    f"cannot enable extension {ext} as the DATABASE_URL role: {exc}"
                ) from exc
        if settings.database_app_url is None:
            found = conn.execute(
                "SELECT rolbypassrls FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
            ).fetchone()
            if found is not None and found[0]:
                raise DatabaseNotSuitable(
                    f"the runtime role {APP_ROLE} has BYPASSRLS: remove it (ALTER ROLE "
                    f"{APP_ROLE} NOBYPASSRLS) so row security applies to it."
                )
            pw = app_password(settings)
            # PostgreSQL 16+ lets only a role with BYPASSRLS name that attribute in ALTER ROLE,
            # so a second start (the role made by the first) sets the login and password only
            statement = (
                "ALTER ROLE {} LOGIN PASSWORD {}"
                if found is not None
                else "CREATE ROLE {} LOGIN NOBYPASSRLS PASSWORD {}"
            )
            try:
                conn.execute(sql.SQL(statement).format(sql.Identifier(APP_ROLE), sql.Literal(pw)))
            except psycopg.Error as exc:
                raise DatabaseNotSuitable(
                    f"cannot create the runtime role {APP_ROLE}: give the DATABASE_URL role "
                    "CREATEROLE, or create a role yourself and set DATABASE_APP_URL."
                ) from exc
            if found is not None:  # another host's connections as the role stop working from here
                log.warning(
                    "database.app_role_password_set",
                    role=APP_ROLE,
                    hint="hosts that share a database must all set DATABASE_APP_URL "
                    "(docs/capacity.md): each one without it sets the role's password anew",
                )


VERSION_QUERY = "SELECT version_num FROM alembic_version"


def alembic_config(urls: DatabaseUrls) -> Config:
    cfg = _scripts_config()
    cfg.attributes["owner_url"] = urls.owner.set(drivername="postgresql+psycopg")
    cfg.attributes["app_role"] = urls.app.username or APP_ROLE
    return cfg


def migrate(settings: Settings) -> DatabaseUrls:
    """Prepare the server and run every pending migration as the owner."""
    urls = database_urls(settings)
    if urls.superuser is not None:
        _bootstrap_embedded(urls)
    else:
        _check_external(urls, settings)
    command.upgrade(alembic_config(urls), "head")
    log.info("database.migrated")
    return urls


def _scripts_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@functools.cache
def migration_head() -> str | None:
    """The newest migration's revision (read once from the migrations directory)."""
    return ScriptDirectory.from_config(_scripts_config()).get_current_head()


def migration_state(version: str | None) -> str:
    """ "ok" when `version` (the row of `alembic_version`) is the newest migration, else where the
    database is."""
    head = migration_head()
    return "ok" if version == head else f"at {version}, head is {head}"


def pending_migrations(urls: DatabaseUrls) -> bool:
    """True when the database is not at the newest migration."""
    engine = create_engine(urls.owner.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            version = conn.execute(text(VERSION_QUERY)).scalar()
    finally:
        engine.dispose()
    return migration_state(version) != "ok"
