"""The image, built once per session by ops/container/build.sh (docs/deploy.md)."""

from __future__ import annotations

import pytest

from tests.deploy import podman


@pytest.fixture(scope="session")
def container_host() -> None:
    """Skip where this machine cannot run containers, saying why."""
    reason = podman.unavailable()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def app_image(container_host: None, pytestconfig: pytest.Config) -> str:
    """The app image and the stack's service images, built from the working tree (podman's layer
    cache reuses every step whose inputs are unchanged); its build time and size are reported."""
    seconds = podman.build_image(services=True)
    size = podman.image_size_bytes()
    line = f"{podman.IMAGE}: {size / 1e6:.0f} MB (podman image inspect), built in {seconds:.0f} s"
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():  # shown even when the output is captured
            reporter.write_line(f"\n{line}")
    return podman.IMAGE
