"""A fast-starting query encoder for the packaged MiniLM model.

Embedding one short query does not need fastembed's machinery, whose
import alone costs over a second on a small machine: this runs the same
ONNX file with onnxruntime and the same tokenizer directly (mean pooling
over the attention mask, then L2 normalisation — what fastembed does for
all-MiniLM-L6-v2). The vectors match fastembed's (tested), so queries
encoded here search documents embedded by fastembed. Used for cold
processes (CLI, hooks); a process that already loaded fastembed uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atocore.embed.model import EmbeddingUnavailable

MAX_TOKENS = 256  # as tokenizer_config.json's model_max_length


class DirectEncoder:
    def __init__(self, model_dir: Path) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - fastembed's own dependencies
            raise EmbeddingUnavailable(f"onnxruntime/tokenizers missing: {exc}") from exc
        try:
            options = ort.SessionOptions()
            # Basic graph optimisation: none at all starts faster but runs the unfused int8
            # graph several times slower, the full set starts much slower (figures in
            # docs/benchmarks.md, "Figures behind design choices").
            # One thread: a single short query gains nothing from a pool that must spin up.
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self.session = ort.InferenceSession(
                str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
            self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # any load failure means "unavailable"
            raise EmbeddingUnavailable(
                f"cannot load embedding model from {model_dir}: {exc}"
            ) from exc
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.inputs = {i.name for i in self.session.get_inputs()}
        width = self.session.get_outputs()[0].shape[-1]
        self.dim = width if isinstance(width, int) else int(self.encode("probe").shape[-1])

    def encode(self, text: str) -> Any:
        import numpy as np

        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]  # (1, tokens, dim)
        weights = mask[..., None].astype(np.float64)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norm, 1e-12, None))[0].astype(np.float32)
