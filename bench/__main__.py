"""Run the benchmarks and write bench/RESULTS.md (machine, date, commit, figures).

`python -m bench` runs them all; `python -m bench conversions dashboards` runs those and
replaces only their sections, keeping the others' figures (with their own dates in git)."""

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


def _title(section: str) -> str:
    return section.split("\n", 1)[0].split(" — ", 1)[0]


def _previous() -> dict[str, str]:
    path = ROOT / "bench" / "RESULTS.md"
    if not path.exists():
        return {}
    parts = path.read_text().split("\n## ")[1:]
    return {_title("## " + p): "## " + p.rstrip("\n") + "\n" for p in parts}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        raise SystemExit(f"unknown benchmarks {sorted(unknown)}; choose from {list(BENCHMARKS)}")
    fresh = {name: BENCHMARKS[name]() for name in chosen}
    kept = _previous()
    for section in fresh.values():
        kept[_title(section)] = section
    sections = list(kept.values())
    measured = ", ".join(_title(s).removeprefix("## ") for s in fresh.values())
    earlier = "" if len(fresh) == len(kept) else " (the other sections are from earlier runs)"
    header = (
        "# Benchmark results\n\n"
        "Written by `make bench`; each figure is compared with a baseline measured in the same run.\n\n"
        f"- Machine: {_machine()}\n"
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}: {measured}{earlier}\n"
        f"- Commit: {_commit()}\n"
    )
    out = header + "\n" + "\n".join(sections)
    (ROOT / "bench" / "RESULTS.md").write_text(out)
    print(out)


if __name__ == "__main__":
    main()
