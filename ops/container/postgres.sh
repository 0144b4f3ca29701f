#!/bin/sh
# The compose stack's `db` service (docs/deploy.md): PostgreSQL 18 with pgvector 0.8 from the app
# image (the pgserver wheel's binaries; Debian bookworm's pgvector is too old for HNSW with
# iterative scans). The first start initialises $PGDATA with
#   - the superuser `postgres`, for operators only: no password, reachable only through the
#     container's own socket (`podman exec <db> psql -h /tmp -U postgres`);
#   - the owner role POSTGRES_OWNER (password POSTGRES_OWNER_PASSWORD, CREATEROLE, not a
#     superuser), owner of the database POSTGRES_DB, in which `vector` and `pg_trgm` are created:
#     the app's DATABASE_URL. `bitnexus migrate` creates the runtime role itself.
# Then it runs the server in the foreground, listening on every address with password logins.
set -eu
: "${PGDATA:=/data/pgdata}" "${POSTGRES_DB:=bitnexus}" "${POSTGRES_OWNER:=bitnexus}" "${PGPORT:=5432}"
: "${POSTGRES_OWNER_PASSWORD:?set POSTGRES_OWNER_PASSWORD}"
bin=$(python3 -c 'import pgserver, pathlib; print(pathlib.Path(pgserver.__file__).parent / "pginstall/bin")')

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
    "$bin/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    printf '%s\n' "host all postgres all reject" "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
    "$bin/psql" -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -v owner="$POSTGRES_OWNER" -v pw="$POSTGRES_OWNER_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"owner" LOGIN CREATEROLE PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8';
\connect :"db"
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO :"owner";
SQL
    "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" -p "$PGPORT" -c listen_addresses='*' -k /tmp "$@"
