"""What services need from an embedder, without importing one.

:class:`atocore.embed.embedder.Embedder` is the real implementation;
benchmarks and tests pass stand-ins (a query cache, a constant embedder),
so services are typed against this protocol. Typing only: importing it
costs nothing and loads no model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class Embedder(Protocol):
    """Text → unit-length float32 vectors (numpy arrays) with one model."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def load(self, *, for_query: bool = False) -> Embedder:
        """Load now (to fail early); returns the embedder to use."""
        ...

    def embed_documents(
        self,
        texts: Sequence[str],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Any:
        """Shape (len(texts), dim), in input order."""
        ...

    def embed_query(self, text: str) -> Any:
        """Shape (dim,)."""
        ...
