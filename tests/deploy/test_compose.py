"""compose.yaml: valid by the Compose specification's schema, its secrets in an env file, and the
whole stack started with podman-compose and reached from outside (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import yaml

from bitnexus.demo import DEMO_LOGINS
from tests.conftest import free_port
from tests.deploy import podman
from tests.waiting import wait_until

COMPOSE = podman.ROOT / "compose.yaml"
ENV_EXAMPLE = podman.ROOT / "deploy" / "compose.env.example"
# The Compose specification's JSON schema, vendored (see README.md beside it)
SCHEMA = Path(__file__).with_name("compose-spec.json")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_yaml_follows_the_compose_specification() -> None:
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    errors = [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator.iter_errors(compose())
    ]
    assert errors == []


def test_the_schema_check_catches_a_mistake() -> None:
    # given the stack with a misspelt health check setting
    broken = compose()
    broken["services"]["app"]["healthcheck"]["intervall"] = "5s"
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    # then the schema refuses it
    assert not validator.is_valid(broken)


def test_every_service_is_checked_and_started_in_order() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "redis", "app", "prometheus"}
    assert all("healthcheck" in s for s in services.values())
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["prometheus"]["depends_on"] == {"app": {"condition": "service_healthy"}}
    # data lives in named volumes
    named = set(compose()["volumes"])
    for service in services.values():
        assert all(v.split(":")[0] in named for v in service.get("volumes", []))


def test_secrets_come_from_the_env_file_only() -> None:
    # no literal secret in compose.yaml: every service reads the env file
    services = compose()["services"]
    assert all(
        s["env_file"] == "${BITNEXUS_ENV_FILE:-deploy/compose.env}" for s in services.values()
    )
    text = COMPOSE.read_text()
    assert not re.search(r"(PASSWORD|SECRET|TOKEN)[A-Z_]*\s*[:=]\s*\S", text)
    # and the example holds placeholders, never a value
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    for key, value in example.items():
        if re.search("PASSWORD|SECRET|TOKEN", key):
            assert "CHANGE_ME" in value, key
    assert "deploy/compose.env" in (podman.ROOT / ".gitignore").read_text().splitlines()


# ---- the stack, started ----


def podman_compose(project: str, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """podman-compose with the podman flags this kind of machine needs (tests/deploy/podman.py)."""
    out = subprocess.run(
        [
            sys.executable, "-m", "podman_compose",
            f"--podman-args={' '.join(podman.PODMAN[1:])}",
            f"--podman-run-args={' '.join(podman.ULIMITS)}",
            "-p", project, "-f", str(COMPOSE), *args,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )  # fmt: skip
    assert out.returncode == 0, (
        f"podman-compose {' '.join(args)}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    )
    return out.stdout


@pytest.fixture(scope="module")
def stack(app_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The stack up under a project name of its own, its env file made of fresh secrets, on free
    host ports; taken down with its volumes whatever happens."""
    project = f"bnxtest{secrets.token_hex(4)}"
    db_password, redis_password = secrets.token_hex(16), secrets.token_hex(16)
    http_port, prometheus_port = free_port(), free_port()
    env_file = tmp_path_factory.mktemp("compose") / "compose.env"
    values = {
        "POSTGRES_OWNER_PASSWORD": db_password,
        "DATABASE_URL": f"postgresql://bitnexus:{db_password}@db:5432/bitnexus",
        "BITNEXUS_SECRET_KEY": secrets.token_hex(24),
        "BITNEXUS_PUBLIC_URL": f"http://127.0.0.1:{http_port}",
        "BITNEXUS_SEARCH_INDEX_SECONDS": "0",
        "REDIS_PASSWORD": redis_password,
        "REDIS_URL": f"redis://:{redis_password}@redis:6379/0",
        "BITNEXUS_METRICS_TOKEN": secrets.token_hex(16),
    }
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env = {
        "BITNEXUS_ENV_FILE": str(env_file),
        "BITNEXUS_IMAGE": app_image,
        "BITNEXUS_HTTP_PORT": str(http_port),
        "PROMETHEUS_HTTP_PORT": str(prometheus_port),
        "BITNEXUS_WORKERS": "2",
    }
    try:
        podman_compose(project, env, "up", "-d", "--no-build")
        app = f"{project}_app_1"
        podman.wait_ready(f"http://127.0.0.1:{http_port}", app, may_restart=True)
        yield {
            "project": project,
            "app": app,
            "url": f"http://127.0.0.1:{http_port}",
            "prometheus": f"http://127.0.0.1:{prometheus_port}",
        }
    finally:
        subprocess.run(
            [sys.executable, "-m", "podman_compose", f"--podman-args={' '.join(podman.PODMAN[1:])}",
             "-p", project, "-f", str(COMPOSE), "down", "-v", "-t", "20"],
            env={**os.environ, **env}, capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        leftover = podman.podman(
            "ps", "-aq", "--filter", f"label=io.podman.compose.project={project}"
        )
        podman.remove(*leftover.stdout.split())


def worker_processes(container: str) -> int:
    """How many worker processes the container's `bitnexus serve` runs (its spawned children)."""
    rows = [
        line.split(None, 2)
        for line in podman.podman("top", container, "pid", "ppid", "args").stdout.splitlines()[1:]
    ]
    serve = next(
        pid
        for pid, _, args in rows
        if args.startswith("/opt/venv/bin/python") and " serve " in f"{args} "
    )
    return sum(1 for _, ppid, args in rows if ppid == serve and "spawn_main" in args)


@pytest.mark.container
def test_the_stack_serves_a_login_through_the_app_service(stack: dict[str, str]) -> None:
    # given the stack up, and the demo seeded into its database
    seeded = podman.podman("exec", stack["app"], "bitnexus", "demo", timeout=600, check=False)
    assert seeded.returncode == 0, seeded.stdout[-2000:] + seeded.stderr[-2000:]
    admin = next(x for x in DEMO_LOGINS if x.email == "admin@acme.example")
    with httpx.Client(base_url=stack["url"], timeout=60) as client:
        # when a probe and the demo's admin reach the app service from outside
        ready = client.get("/readyz")
        login = client.post(
            "/api/v1/auth/login",
            json={
                "organisation": admin.organisation,
                "email": admin.email,
                "password": admin.password,
            },
        )
    # then it is ready on the stack's PostgreSQL and the admin is logged in
    assert ready.status_code == 200, ready.text
    assert login.status_code == 200, login.text
    assert worker_processes(stack["app"]) == 2  # BITNEXUS_WORKERS


@pytest.mark.container
def test_prometheus_loads_the_alert_rules_and_scrapes_the_app(stack: dict[str, str]) -> None:
    def scraped() -> bool:
        try:
            targets = httpx.get(f"{stack['prometheus']}/api/v1/targets", timeout=10).json()
        except httpx.HTTPError:
            return False
        return any(
            t["labels"]["job"] == "bitnexus" and t["health"] == "up"
            for t in targets["data"]["activeTargets"]
        )

    wait_until(scraped, "Prometheus scraping the app as job bitnexus", within=120, interval=2.0)
    rules = httpx.get(f"{stack['prometheus']}/api/v1/rules", timeout=10).json()
    names = {r["name"] for g in rules["data"]["groups"] for r in g["rules"]}
    assert "BitnexusInstanceDown" in names
