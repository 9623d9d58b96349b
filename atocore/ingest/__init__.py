"""Vault ingestion: scan, parse (markdown + frontmatter, text), chunk, embed, store.

Service entry points live in :mod:`atocore.ingest.pipeline`.
"""

from atocore.ingest.chunker import ChunkOptions
from atocore.ingest.pipeline import (
    IngestReport,
    ingest_all,
    ingest_file,
    ingest_paths,
    ingest_project,
    remove_file,
)

__all__ = [
    "ChunkOptions",
    "IngestReport",
    "ingest_all",
    "ingest_file",
    "ingest_paths",
    "ingest_project",
    "remove_file",
]
