"""Embeddings: model resolution, the fastembed wrapper, the model recorded in the DB.

Importing this package is cheap; fastembed is imported on first use.
"""

from atocore.embed.embedder import Embedder, get_embedder
from atocore.embed.meta import check_model, ensure_model, record_model, stored_model
from atocore.embed.model import EmbeddingUnavailable, ModelSpec, resolve_model

__all__ = [
    "Embedder",
    "EmbeddingUnavailable",
    "ModelSpec",
    "check_model",
    "ensure_model",
    "get_embedder",
    "record_model",
    "resolve_model",
    "stored_model",
]
