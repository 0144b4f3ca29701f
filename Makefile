# BitNexus — `make run` and `make test` set up everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FRONTEND := frontend
SPA_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/package.json $(FRONTEND)/tsconfig*.json -type f 2>/dev/null)
APT_STAMP := /var/lib/bitnexus-apt-updated

.PHONY: run test lint fmt typecheck bench lock openapi clean-data image help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# ---- installation (each step is skipped when its inputs have not changed) ----
$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.lock pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.runtime-installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.lock
	touch $@

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(SPA_SOURCES)
	cd $(FRONTEND) && npm run build --silent
	touch $@

$(APT_STAMP):
	apt-get update -qq
	touch $@

/usr/bin/chromium: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# promtool checks ops/prometheus/alerts.yml (tests/ops/test_alerts.py); only it is wanted from
# the package, whose own server must not stay running
/usr/bin/promtool: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
	systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true

/usr/bin/wrk: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

/usr/bin/age: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq age >/dev/null

# the tests start their own redis-server on a free port; the package's daemon must not stay running
/usr/bin/redis-server: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
	systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true

# PgBouncer: tests/core/test_pgbouncer.py starts its own in transaction mode; the package's
# service must not stay running
/usr/sbin/pgbouncer: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
	systemctl disable --now pgbouncer >/dev/null 2>&1 || service pgbouncer stop >/dev/null 2>&1 || true

# The container image and the compose stack (tests/deploy, docs/deploy.md): podman runs them with
# the runc runtime; debootstrap makes the Debian base image (no registry needed); dnsname lets
# the stack's containers find each other by service name.
/usr/bin/podman: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc >/dev/null

/usr/lib/cni/dnsname: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		golang-github-containernetworking-plugin-dnsname >/dev/null

/usr/sbin/debootstrap: | $(APT_STAMP)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null

# the Debian programs the tests start or call
TEST_TOOLS := /usr/bin/chromium /usr/bin/promtool /usr/bin/age /usr/sbin/pgbouncer \
	/usr/bin/podman /usr/lib/cni/dnsname /usr/sbin/debootstrap /usr/bin/redis-server

# ---- the two commands ----
run: $(VENV)/.runtime-installed $(FRONTEND)/dist/index.html  ## Set up, migrate, seed the demo and serve on :8000
	$(BIN)/bitnexus serve --migrate --demo

test: $(VENV)/.dev-installed $(FRONTEND)/dist/index.html $(TEST_TOOLS)  ## Set up, lint, type-check and run every test
	$(MAKE) --no-print-directory lint typecheck
	$(BIN)/pytest

# ---- everything else ----
lint: $(VENV)/.dev-installed  ## ruff (lint + format check) and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: $(VENV)/.dev-installed  ## Format the Python code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(VENV)/.dev-installed $(FRONTEND)/node_modules/.installed  ## mypy (strict) and tsc
	$(BIN)/mypy
	$(BIN)/mypy --strict verifier/bitnexus_verify.py
	cd $(FRONTEND) && npm run typecheck --silent && npm run lint --silent

bench: $(VENV)/.dev-installed $(FRONTEND)/dist/index.html /usr/bin/wrk  ## Run the benchmarks, write bench/RESULTS.md
	$(BIN)/python -m bench

openapi: $(VENV)/.runtime-installed $(FRONTEND)/node_modules/.installed  ## Regenerate frontend/openapi.json and the typed client
	$(BIN)/bitnexus openapi > $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run gen:api --silent

lock:  ## Re-resolve requirements*.lock from pyproject.toml
	rm -rf /tmp/bitnexus-lock && $(PYTHON) -m venv /tmp/bitnexus-lock
	/tmp/bitnexus-lock/bin/pip install -q -e .
	(echo "# Exact runtime pins; regenerate with \`make lock\`."; /tmp/bitnexus-lock/bin/pip freeze --exclude-editable) > requirements.lock
	/tmp/bitnexus-lock/bin/pip install -q -e '.[dev]'
	(echo "# Exact runtime + development pins; regenerate with \`make lock\`."; /tmp/bitnexus-lock/bin/pip freeze --exclude-editable) > requirements-dev.lock

image: /usr/bin/podman /usr/sbin/debootstrap  ## Build the container image localhost/bitnexus:latest (docs/deploy.md)
	ops/container/build.sh

clean-data:  ## Delete the local data directory (database, keys, uploads)
	rm -rf var
