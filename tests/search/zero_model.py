"""A model's process without the model, for tests of the process around it: every text's
vector is zeros."""

from __future__ import annotations

import socket
from array import array
from collections.abc import Sequence

from bitnexus.search import model_process

DIMENSIONS = 4


def zeros(texts: Sequence[str], threads: int) -> bytes:
    return array("f", [0.0] * DIMENSIONS * len(texts)).tobytes()


def serve(sock: socket.socket, threads: int, spin_seconds: float) -> None:
    model_process.serve(sock, zeros, threads, spin_seconds)
