"""The model comes from its pip package, never from the network, runs on the threads it is
given, and is loaded by the first call that needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bitnexus.search.embedder import Embedder

LOAD = """
import json, torch
from bitnexus.search import model
loaded = model.load(1)
vectors = model.encode(["offline"])
print(json.dumps({
    "shape": list(vectors.shape),
    "torch_threads": torch.get_num_threads(),
    "onnx_threads": loaded.session.get_session_options().intra_op_num_threads,
}))
"""


def test_the_model_loads_from_its_package_offline_on_the_threads_given(tmp_path: Path) -> None:
    # given a process whose every download would fail: an empty model cache, a dead proxy
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env |= {"HF_HOME": str(tmp_path / "hf"), "HTTP_PROXY": "http://127.0.0.1:9"}
    env |= {"HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}

    # when it loads the model on one thread and embeds a text
    done = subprocess.run(
        [sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, timeout=300
    )

    # then it has, from the package alone, with both runtimes held to that thread
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"shape": [1, 384], "torch_threads": 1, "onnx_threads": 1}
    assert not (tmp_path / "hf" / "hub").exists()  # nothing was fetched into the cache


async def test_the_model_process_starts_with_the_first_call_and_serves_the_next() -> None:
    # given an embedder no one has called
    embedder = Embedder(threads=1)
    try:
        assert embedder.pid is None  # no process, no model yet

        # when it is called twice
        await embedder.encode(["first"])
        first = embedder.pid
        await embedder.encode(["second"])

        # then the first call started the model's process, and the second used it
        assert first is not None
        assert embedder.pid == first
    finally:
        embedder.close()
