"""Run the benchmarks and write bench/RESULTS.md (`bench.results`).

`python -m bench` runs them all; `python -m bench conversions dashboards` runs those and
replaces only their sections' figures, keeping their notes and the other sections."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench import (
    conversions,
    dashboards,
    fanout,
    ledger,
    me_endpoint,
    recovery,
    redirect,
    results,
    search,
    tiles,
)

ROOT = Path(__file__).resolve().parents[1]


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem_kb // 1024 // 1024} GiB RAM, Python {platform.python_version()}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


BENCHMARKS: dict[str, Callable[[], str]] = {
    "me": me_endpoint.run,
    "redirect": redirect.run,
    "conversions": conversions.run,
    "dashboards": dashboards.run,
    "ledger": ledger.run,
    "search": search.run,
    "fanout": fanout.run,
    "recovery": recovery.run,
    "tiles": tiles.run,
}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        raise SystemExit(f"unknown benchmarks {sorted(unknown)}; choose from {list(BENCHMARKS)}")
    fresh = [BENCHMARKS[name]() for name in chosen]
    path = ROOT / "bench" / "RESULTS.md"
    previous = path.read_text() if path.exists() else ""
    measured_by = results.provenance(dt.datetime.now(dt.UTC), _commit(), _machine())
    out = results.merged(previous, fresh, measured_by)
    path.write_text(out)
    print(out)


if __name__ == "__main__":
    main()
