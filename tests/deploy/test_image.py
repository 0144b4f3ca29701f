"""The container image (Dockerfile, docs/deploy.md), built and run with podman and probed from
outside the container: ready, serving the SPA, a demo user logging in through the API; with the
embedded PostgreSQL in its data volume, and against an external PostgreSQL by DATABASE_URL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bitnexus.demo import DEMO_LOGINS
from tests.conftest import free_port
from tests.deploy import podman
from tests.waiting import wait_until

pytestmark = pytest.mark.container

PG_ISREADY = "/opt/venv/lib/python3.11/site-packages/pgserver/pginstall/bin/pg_isready"


@dataclass(frozen=True)
class Running:
    name: str
    url: str


def run_app(image: str, name: str, *env: str, volume: str | None = None) -> Running:
    """`bitnexus serve --migrate --demo` in a container on a free port of the host's network."""
    port = free_port()
    mount = ["--volume", f"{volume}:/data"] if volume else []
    podman.podman(
        "run", "--detach", "--name", name, "--network", "host", *podman.ULIMITS, *mount,
        "--env", f"BITNEXUS_PORT={port}", "--env", "BITNEXUS_SEARCH_INDEX_SECONDS=0",
        *[arg for e in env for arg in ("--env", e)],
        image, "bitnexus", "serve", "--migrate", "--demo",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    podman.wait_ready(url, name)
    return Running(name, url)


@pytest.fixture(scope="module")
def embedded(app_image: str) -> Iterator[Running]:
    """The image on its own: the embedded PostgreSQL in a named data volume."""
    name = f"bitnexus-test-{secrets.token_hex(4)}"
    volume = f"{name}-data"
    try:
        yield run_app(app_image, name, volume=volume)
    finally:
        podman.remove(name, volumes=(volume,))


@pytest.fixture(scope="module")
def external(app_image: str) -> Iterator[Running]:
    """The image against an external PostgreSQL: the compose stack's `db` service (the same
    image running ops/container/postgres.sh) on a free port, reached by DATABASE_URL."""
    name = f"bitnexus-test-{secrets.token_hex(4)}"
    db, pg_port, password = f"{name}-db", free_port(), secrets.token_hex(16)
    try:
        podman.podman(
            "run", "--detach", "--name", db, "--network", "host", *podman.ULIMITS, "--stop-signal", "SIGINT",
            "--env", f"PGPORT={pg_port}", "--env", f"POSTGRES_OWNER_PASSWORD={password}",
            "--entrypoint", "/app/ops/container/postgres.sh", app_image, "-c", "max_connections=50",
        )  # fmt: skip
        wait_until(
            lambda: (
                podman.podman(
                    "exec", db, PG_ISREADY, "-h", "127.0.0.1", "-p", str(pg_port), check=False
                ).returncode
                == 0
            ),
            f"the db container accepting connections:\n{podman.logs(db)}",
            within=podman.START_TIMEOUT_S,
            interval=1.0,
        )
        yield run_app(
            app_image,
            name,
            f"DATABASE_URL=postgresql://bitnexus:{password}@127.0.0.1:{pg_port}/bitnexus",
        )
    finally:
        podman.remove(name, db)


def demo_login() -> dict[str, str]:
    admin = next(x for x in DEMO_LOGINS if x.email == "admin@acme.example")
    return {"organisation": admin.organisation, "email": admin.email, "password": admin.password}


@pytest.mark.parametrize("deployment", ["embedded", "external"])
def test_the_container_is_ready_and_a_demo_user_logs_in_from_outside(
    deployment: str, request: pytest.FixtureRequest
) -> None:
    # given the image running (its own embedded database, or an external one)
    app: Running = request.getfixturevalue(deployment)
    with httpx.Client(base_url=app.url, timeout=60) as client:
        # when a probe and a user reach it from outside the container
        ready = client.get("/readyz")
        login = client.post("/api/v1/auth/login", json=demo_login())
        token = login.json().get("access_token")
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    # then it is ready, and the demo's admin is logged in
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
    assert login.status_code == 200, login.text
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "admin@acme.example"


def test_the_image_serves_the_spa_it_built(embedded: Running) -> None:
    page = httpx.get(f"{embedded.url}/login", timeout=30)
    assert page.status_code == 200
    assert '<div id="root">' in page.text


def test_the_app_runs_unprivileged_with_its_health_check_on_readyz(embedded: Running) -> None:
    uid = podman.podman("exec", embedded.name, "id", "-u").stdout.strip()
    config = podman.inspect(embedded.name)["Config"]
    assert isinstance(config, dict)
    health = podman.podman("healthcheck", "run", embedded.name, check=False)
    assert uid != "0"
    assert "/readyz" in " ".join(config["Healthcheck"]["Test"])
    assert health.returncode == 0, health.stdout + health.stderr


def test_the_data_directory_is_a_volume(app_image: str) -> None:
    config = podman.podman("image", "inspect", "--format", "{{json .Config.Volumes}}", app_image)
    assert "/data" in config.stdout


def test_an_external_database_takes_a_second_start(external: Running) -> None:
    # given the app started once on the external database (its runtime role made then)
    # when it migrates again, as every start does
    again = podman.podman("exec", external.name, "bitnexus", "migrate", timeout=300, check=False)
    # then the owner, no superuser, finds the runtime role in place (PostgreSQL 16+ refuses a
    # non-superuser naming BYPASSRLS in ALTER ROLE)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
