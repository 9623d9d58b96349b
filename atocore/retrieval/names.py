"""Note names as words: how a wikilink target, a note's names and a query compare.

Kept apart from the ingest package so retrieval imports nothing of ingest.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lowercase words, for matching note names inside a query."""
    return _WORDS.findall(text.lower())


def name_key(name: str) -> str:
    """How note names compare: by their lowercase words, so case, spacing,
    punctuation and a ``.md`` suffix do not matter (``2026-11-03`` is ``2026 11 03``,
    the same words a query for that day has)."""
    name = re.sub(r"\.(md|markdown|mdown|txt|text)$", "", name.strip(), flags=re.IGNORECASE)
    return " ".join(words(name))
