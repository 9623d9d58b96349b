"""How much of a prompt retrieval looks at.

Matching text is cheap per character but not free: tokenizing, keyword
queries and the duplicate checks of a pack grow with the prompt, and a
pasted log of megabytes took tens of seconds. Retrieval therefore uses at
most :data:`MAX_QUERY_CHARS` characters of any prompt or query: all of it
when shorter, else its start and its end (a question usually follows or
precedes what was pasted). Every entry point goes through the services
that apply it (``search``, ``build_context``, project detection).
Documented in docs/ingest-and-retrieval.md (Long prompts).
"""

from __future__ import annotations

MAX_QUERY_CHARS = 32 * 1024
_GAP = "\n…\n"


def query_text(text: str) -> str:
    """``text`` as retrieval uses it: at most :data:`MAX_QUERY_CHARS` characters."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    head = (MAX_QUERY_CHARS - len(_GAP)) // 2
    tail = MAX_QUERY_CHARS - len(_GAP) - head
    return text[:head] + _GAP + text[-tail:]
