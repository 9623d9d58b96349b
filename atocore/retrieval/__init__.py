"""Retrieval: FTS5 keyword search, sqlite-vec vector search, fusion."""
