"""podman as this kind of machine needs it (docs/deploy.md): the runc runtime, cgroupfs, low
ulimits and the host's network; and the image built by ops/container/build.sh."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "ops" / "container" / "build.sh"
IMAGE = os.environ.get("BITNEXUS_IMAGE", "localhost/bitnexus:latest")
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
BUILD_TIMEOUT_S = 1800  # a cold build (no layer cached) takes about 10 minutes on 2 cores
START_TIMEOUT_S = 300  # first start: initdb, the migrations, the demo's seeding


def unavailable() -> str | None:
    """Why containers cannot run here, or None. `make test` installs podman, runc and
    debootstrap; what remains is a machine that forbids containers."""
    for program in ("podman", "runc", "debootstrap"):
        if shutil.which(program) is None:
            return f"{program} is not installed (`make test` installs it)"
    probe = subprocess.run(
        [*PODMAN, "info", "--format", "{{.Host.OCIRuntime.Name}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"podman cannot run on this machine: {probe.stderr.strip()[-500:]}"
    return None


def podman(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def build_image(*, services: bool = False) -> float:
    """Build the app image (and the stack's service images) with the repository's script; podman's
    layer cache makes a build of unchanged inputs take seconds. Returns the seconds it took."""
    started = time.monotonic()
    env = {**os.environ, "IMAGE": IMAGE, "BUILD_SERVICES": "1" if services else "0"}
    out = subprocess.run(
        [str(BUILD_SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert out.returncode == 0, (
        f"the image build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    )
    return time.monotonic() - started


def image_size_bytes(image: str = IMAGE) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())


def inspect(container: str) -> dict[str, object]:
    answer = json.loads(podman("container", "inspect", container).stdout)
    assert isinstance(answer, list)
    found = answer[0]
    assert isinstance(found, dict)
    return found


def logs(container: str) -> str:
    out = podman("logs", "--tail", "80", container, check=False)
    return (out.stdout + out.stderr)[-6000:]


def wait_ready(
    url: str, container: str, *, within: float = START_TIMEOUT_S, may_restart: bool = False
) -> None:
    """Await `url`/readyz answering 200; fail at once, with the container's log, if the container
    stops (unless it `may_restart`: a restart policy brings it back)."""

    def ready() -> bool:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        state = podman(
            "container", "inspect", "--format", "{{.State.Status}}", container, check=False
        )
        if not may_restart and state.stdout.strip() in ("exited", "stopped", ""):
            raise AssertionError(f"{container} stopped before it was ready:\n{logs(container)}")
        return False

    try:
        wait_until(ready, f"{url}/readyz answering 200", within=within, interval=1.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{logs(container)}") from exc


def remove(*containers: str, volumes: tuple[str, ...] = ()) -> None:
    """Remove containers (stopped first, their anonymous volumes too) and named volumes; never
    fails, so a teardown always goes on."""
    for name in containers:
        podman("rm", "--force", "--volumes", "--time", "20", name, check=False, timeout=120)
    for volume in volumes:
        podman("volume", "rm", "--force", volume, check=False)
