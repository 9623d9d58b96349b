"""The one embedding interface the rest of atocore uses.

``get_embedder()`` returns a process-wide :class:`Embedder` for the
resolved model; it loads fastembed lazily on the first embedding call, so
commands that never embed never pay for the import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from atocore.embed.model import (
    EmbeddingUnavailable,
    ModelSpec,
    prepare_offline_model,
    resolve_model,
)

DEFAULT_BATCH_SIZE = 64


class Embedder:
    """Text → unit-length float32 vectors with one fastembed model."""

    def __init__(self, spec: ModelSpec, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.spec = spec
        self.batch_size = max(1, int(batch_size))
        self._model: Any = None
        self._direct: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model on first use)."""
        if self._dim is None and self._direct is not None:
            self._dim = self._direct.dim
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            spec = self.spec
            path = spec.path
            if spec.origin == "package" and path is not None:
                path = prepare_offline_model(path)
            elif path is not None and not path.is_dir():
                raise EmbeddingUnavailable(f"ATOCORE_EMBED_MODEL_PATH {path} is not a directory")
            try:
                from fastembed import TextEmbedding
            except ImportError as exc:  # pragma: no cover - hard dependency
                raise EmbeddingUnavailable(f"fastembed is not installed: {exc}") from exc
            kwargs: dict[str, Any] = {"model_name": spec.fastembed_name}
            if path is not None:
                kwargs["specific_model_path"] = str(path)
            if spec.cache_dir is not None:
                kwargs["cache_dir"] = str(spec.cache_dir)
            try:
                model = TextEmbedding(**kwargs)
                probe = next(iter(model.embed(["probe"], batch_size=1)))
            except Exception as exc:  # any load failure means "unavailable"
                where = f" from {path}" if path else ""
                raise EmbeddingUnavailable(
                    f"cannot load embedding model {spec.model_id}{where}: {exc}"
                ) from exc
            self._dim = int(probe.shape[-1])
            self._model = model
            return model

    def load(self, *, for_query: bool = False) -> Embedder:
        """Load now (e.g. to fail early or warm a server); returns self.

        ``for_query`` loads only what embedding a query needs: for the
        packaged model that is the fast-starting direct encoder.
        """
        if for_query and self.spec.origin == "package":
            self._direct_encoder()
        else:
            self._load()
        return self

    def _direct_encoder(self) -> Any:
        with self._lock:
            if self._direct is None:
                from atocore.embed.direct import DirectEncoder

                assert self.spec.path is not None
                self._direct = DirectEncoder(prepare_offline_model(self.spec.path))
                if self._dim is None:
                    self._dim = self._direct.dim
            return self._direct

    def embed_documents(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Any:
        """Embed ``texts`` → ``numpy`` array of shape (n, dim), input order.

        Texts are embedded in batches sorted by length so each padded batch
        wastes little; ``progress(n)`` is called after each batch with the
        number of texts it held.
        """
        import numpy as np

        model = self._load()
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        order = sorted(range(n), key=lambda i: len(texts[i]))
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = [texts[i] for i in idx]
            vectors = list(model.embed(batch, batch_size=len(batch)))
            out[idx] = np.asarray(vectors, dtype=np.float32)
            if progress is not None:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> Any:
        """One query vector (float32, shape (dim,))."""
        import numpy as np

        if self.spec.origin == "package":
            # the direct encoder starts fast and runs a single query about 2x faster
            # than fastembed's batch path (same vectors): used even when fastembed is loaded
            return self._direct_encoder().encode(text)
        model = self._load()
        vector = next(iter(model.query_embed([text])))
        return np.asarray(vector, dtype=np.float32)


_cache: dict[ModelSpec, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(spec: ModelSpec | None = None) -> Embedder:
    """The shared embedder for ``spec`` (default: the resolved model)."""
    spec = spec or resolve_model()
    # The packaged model is the same files whatever data dir assembled it, so one
    # loaded instance serves every data dir of the process (tests, the server).
    key = replace(spec, path=None) if spec.origin == "package" else spec
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            embedder = _cache[key] = Embedder(spec)
    return embedder
