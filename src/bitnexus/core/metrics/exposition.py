"""`/metrics` in the Prometheus text format: this process's metrics, or under `serve --workers N`
every worker's (the multi-process directory), plus the scrape-time collector's, read once."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import psutil
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy.ext.asyncio import AsyncEngine

from bitnexus.core.metrics.collector import Sources, collect
from bitnexus.core.metrics.sampler import Backlog, Sampler

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")


def prepare_multiprocess(data_dir: Path) -> Path:
    """A fresh multi-process directory for this `serve` and its workers, named in the
    environment they inherit (before any of them makes a metric); directories left by `serve`
    processes that are gone are removed."""
    root = (data_dir / "metrics").resolve()
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("serve-*"):
        pid = old.name.removeprefix("serve-")
        if not pid.isdigit() or not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    directory = root / f"serve-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)  # a previous run under the same pid
    directory.mkdir()
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


class _Gathered:
    """The scrape-time families, as a collector."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(families: list[Metric]) -> bytes:
    """The text exposition of every process's metrics and `families` (blocking: reads the
    multi-process files)."""
    directory = os.environ.get(MULTIPROC_ENV)
    gathered = CollectorRegistry(auto_describe=False)
    gathered.register(_Gathered(families))
    if not directory:
        return generate_latest(REGISTRY) + generate_latest(gathered)
    _forget_dead_workers(Path(directory))
    MultiProcessCollector(gathered, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(gathered)


def _forget_dead_workers(directory: Path) -> None:
    """A worker that died (and was replaced) stops counting in the `live*` gauges."""
    for pid in set(_live_pids(directory)):
        if not psutil.pid_exists(pid):
            mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def _live_pids(directory: Path) -> Iterator[int]:
    for path in directory.glob("gauge_live*.db"):
        found = _LIVE_FILE.fullmatch(path.name)
        if found:
            yield int(found.group(1))


class Exporter:
    """One process's metrics: its sampler (started by the app) and the scrape."""

    def __init__(self, engine: AsyncEngine, backlog: Backlog, sources: Sources) -> None:
        self.sampler = Sampler(engine, backlog)
        self.sources = sources

    async def scrape(self) -> bytes:
        self.sampler.sample()  # this process's own values, fresh
        families = await collect(self.sources)
        return await asyncio.to_thread(render, families)
