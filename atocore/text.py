"""Small text helpers every layer shares: slugs, digests, previews, cutting to a limit.

Imported on the prompt hook's path, so it stays stdlib-light (``hashlib``
is imported only when a digest is taken; its cost is in docs/benchmarks.md).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case words joined by ``-`` ("Mirror Mount" -> "mirror-mount")."""
    return _SLUG.sub("-", text.strip().lower()).strip("-")


def content_hash(data: bytes | str) -> str:
    """SHA-256 hex digest of ``data`` (text as UTF-8): the change signal stored with rows."""
    import hashlib

    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks (a database or a model
    file is too large to read whole)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def one_line(text: str | None, limit: int) -> str:
    """``text`` on one line (white space folded to single spaces), cut to ``limit``
    characters ending in ``…``: a preview in a table, a log line or a snippet."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def truncate(text: str, limit: int, marker: str | None = None) -> str:
    """``text`` cut to ``limit`` characters plus a visible ``marker``; by default the
    marker says how many characters were dropped."""
    if len(text) <= limit:
        return text
    if marker is None:
        marker = f"\n\n[truncated: {len(text) - limit} more characters]"
    return text[:limit] + marker
