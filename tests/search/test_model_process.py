"""The model's process between calls: it polls for the next call a while, then sleeps."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import psutil
import pytest

from bitnexus.search import model_process
from tests.search import zero_model

WINDOW = 0.5  # seconds


@pytest.mark.parametrize("waiting", [True, False], ids=["a call waiting", "none"])
def test_polling_ends_when_a_call_is_waiting_or_the_time_is_up(waiting: bool) -> None:
    # given the child's end of a socket, with a call's first bytes on it or nothing
    ours, theirs = socket.socketpair()
    with ours, theirs:
        if waiting:
            ours.sendall(b"\x00")

        # when the child polls it
        started = time.monotonic()
        found = model_process.spin(theirs, WINDOW)
        elapsed = time.monotonic() - started

    # then it says whether a call came: at once if one was there, after the window if not
    assert found is waiting
    assert (elapsed < WINDOW) if waiting else (elapsed >= WINDOW)


def _on_one_cpu(role: str, cpu: int, together: Barrier, spent: Queue[float]) -> None:
    """(In a process of its own.) Once the other is on `cpu` too, poll as the child does for
    WINDOW, or keep busy a little longer (the polling never has the CPU to itself), and report
    the CPU time it got."""
    os.sched_setaffinity(0, {cpu})
    together.wait()
    before = time.process_time()
    if role == "polling":
        ours, theirs = socket.socketpair()
        with ours, theirs:
            model_process.spin(theirs, WINDOW)
    else:
        deadline = time.monotonic() + WINDOW * 1.5
        while time.monotonic() < deadline:
            pass
    spent.put(time.process_time() - before)


def test_polling_leaves_its_cpu_to_a_process_ready_to_run() -> None:
    # given the child's polling and a busy process, made to share one CPU
    context = multiprocessing.get_context("spawn")
    cpu, together = min(os.sched_getaffinity(0)), context.Barrier(2)
    got = {role: context.Queue() for role in ("polling", "busy")}
    processes = [
        context.Process(target=_on_one_cpu, args=(role, cpu, together, spent))
        for role, spent in got.items()
    ]

    # when both run, from the same moment
    for process in processes:
        process.start()
    spent = {role: queue.get(timeout=30) for role, queue in got.items()}
    for process in processes:
        process.join()

    # then the busy process had the CPU, not the polling (each would have about half of it
    # while both run, were the polling not to yield)
    assert spent["polling"] < spent["busy"] / 3


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@pytest.mark.parametrize("spin_seconds", [0.0, WINDOW], ids=["sleeps at once", "polls first"])
async def test_after_a_call_the_child_polls_for_its_window_then_sleeps(
    spin_seconds: float,
) -> None:
    # given a model's process that has answered a call
    child = await asyncio.to_thread(model_process.Child, zero_model.serve, 1, spin_seconds)
    try:
        assert await child.call(["a"], zero_model.DIMENSIONS) == [[0.0] * 4]
        process = psutil.Process(child.process.pid)
        before = _cpu_seconds(process)

        # when no call comes for longer than its window
        await asyncio.sleep(spin_seconds + WINDOW)
        spent = _cpu_seconds(process) - before

        # then it spent CPU for the window at most (some of it, on a busy machine), and none
        # once asleep
        assert spent <= spin_seconds + 0.1
        assert spent >= spin_seconds / 5
        # and it answers the next call from its sleep
        got = await child.call(["b", "c"], zero_model.DIMENSIONS)
        assert got == [[0.0] * 4, [0.0] * 4]
    finally:
        child.close()
