"""Tokenization shared by reinforcement, memory ranking and duplicate checks.

Lowercase, split on anything that is not a letter or digit, drop stop
words and one-letter tokens, then a light stemmer folds the common English
endings (-s, -es, -ed, -ing) so "prefers", "preferred" and "preferring"
all meet "prefer".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set as AbstractSet

TOKENS_VERSION = "1"  # bump when the tokenizer changes: the memory token index is rebuilt
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves use used using uses
    """.split()
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Fold -ing / -ed / -es / -s endings (deliberately light, not Porter)."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            # preferred -> prefer, stopped -> stop, running -> run
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            elif suffix == "ed" and base.endswith("i"):
                base = base[:-1] + "y"  # applied -> apply
            return base
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def tokens(text: str) -> set[str]:
    """The set of stemmed, non-stop-word tokens of ``text``."""
    return set(token_set(text))


@functools.lru_cache(maxsize=32768)
def token_set(text: str) -> frozenset[str]:
    """:func:`tokens` as a cached frozenset (memory texts are tokenized over and over)."""
    out: set[str] = set()
    for raw in _WORD.findall((text or "").lower()):
        word = raw.replace("'", "")
        if len(word) < 2 or word in STOP_WORDS:
            continue
        out.add(stem(word))
    return frozenset(out)


def overlap(memory_tokens: AbstractSet[str], other_tokens: AbstractSet[str]) -> float:
    """Share of ``memory_tokens`` present in ``other_tokens`` (0..1)."""
    if not memory_tokens:
        return 0.0
    return len(memory_tokens & other_tokens) / len(memory_tokens)
