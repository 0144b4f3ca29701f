"""Run every benchmark and write bench/RESULTS.md (machine, date, commit, figures)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

from bench import ledger, me_endpoint, redirect

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


def main() -> None:
    sections = [me_endpoint.run(), redirect.run(), ledger.run()]
    header = (
        "# Benchmark results\n\n"
        "Written by `make bench`; each figure is compared with a baseline measured in the same run.\n\n"
        f"- Machine: {_machine()}\n"
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}\n"
        f"- Commit: {_commit()}\n"
    )
    out = header + "\n" + "\n".join(sections)
    (ROOT / "bench" / "RESULTS.md").write_text(out)
    print(out)


if __name__ == "__main__":
    main()
