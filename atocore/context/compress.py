"""Query-focused cutting: the parts of a chunk that matter, when not all of it fits.

When the next chunk of a pack does not fit, the pack used to keep its
first characters, cut at a word, and lose the rest: often the paragraph
or line that held the prompt's words. ``fit`` keeps instead the chunk's
heaviest whole parts (paragraphs, list items, dialogue lines) that fit the
room, in text order, and puts :data:`ELIDED` in place of each run of parts
left out. A part weighs the sum of the weights of the query words it holds
(:func:`term_weights`); parts of equal weight are taken in text order.

Measured on LoCoMo (docs/benchmarks.md, "Issue 16, second round"):
eliding the light parts of every chunk, not only of the one that is cut,
lowered recall at every budget: the part that answers is often the one
next to the part that holds the question's words.
"""

from __future__ import annotations

import math
import re

from atocore.retrieval.fts import query_terms

ELIDED = "…"
_WORD = re.compile(r"\w+")
# a line that is a part of its own: a list item, a quote, or "Name: text" (dialogue)
_ITEM = re.compile(r"^\s*(?:[-*+>]\s|\d+[.)]\s|[^\s:][^:\n]{0,40}:\s)")


def term_weights(prompt: str, texts: list[str]) -> dict[str, float]:
    """Each query word's inverse document frequency among ``texts`` (the
    retrieved chunks): a word every candidate holds tells them apart least.

    Counted over the candidates rather than the store, so it costs no query.
    """
    words = [set(_WORD.findall(text.lower())) for text in texts]
    return {
        term: math.log((len(texts) + 1) / (sum(term in w for w in words) + 0.5))
        for term in query_terms(prompt)
    }


def _parts(text: str) -> list[tuple[str, str]]:
    """``(separator before, part)`` for each paragraph, or for each line of a
    paragraph made only of list items, quotes or dialogue lines."""
    out: list[tuple[str, str]] = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        if len(lines) > 1 and all(_ITEM.match(line) for line in lines):
            out += [("\n\n" if i == 0 else "\n", line) for i, line in enumerate(lines)]
        else:
            out.append(("\n\n", paragraph))
    return out


def _render(parts: list[tuple[str, str]], keep: set[int]) -> str:
    out: list[str] = []
    for i, (sep, part) in enumerate(parts):
        piece = part if i in keep else ELIDED
        if piece == ELIDED and out and out[-1] == ELIDED:
            continue  # one marker per run of parts left out
        out += [sep, piece] if out else [piece]
    return "".join(out)


def fit(text: str, weights: dict[str, float], room: int) -> str:
    """The heaviest whole parts of ``text`` that fit in ``room`` characters
    ('' when none does)."""
    parts = _parts(text)
    scores = [
        sum(weights.get(word, 0.0) for word in set(_WORD.findall(part.lower())))
        for _, part in parts
    ]
    keep: set[int] = set()
    best = ""
    for i in sorted(range(len(parts)), key=lambda i: (-scores[i], i)):
        trial = _render(parts, keep | {i})
        if len(trial) <= room:
            keep.add(i)
            best = trial
    return best
