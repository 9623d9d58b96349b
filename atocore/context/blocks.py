"""The unit a context pack is made of, shared by every contributor.

Each layer of the trust order (project state, engineering entities, active
memories, source chunks) turns what it selected into ``ContextBlock``s; the
builder fits them into the budget in trust order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

BlockKind = Literal["project_state", "entity", "memory", "chunk"]


class ContextBlock(BaseModel):
    kind: BlockKind
    label: str  # one line naming the source, shown above the text
    text: str
    source: str = ""  # file path, entity id, memory id, ...
    score: float = 0.0
    meta: dict = Field(default_factory=dict)


def fit_budget(
    ranked: Iterable[tuple[str, T]], budget_chars: int, *, min_chars: int = 0
) -> list[tuple[str, T]]:
    """The ``(text, item)`` pairs, in rank order, whose texts fit ``budget_chars`` together.

    A text too long for what is left is skipped, not cut, so a shorter one
    ranked below it can still fit; the walk stops once less than
    ``min_chars`` is left. Blocks are built from the pairs that fit only, and
    ``ranked`` may be a generator that formats each text when it is reached.
    """
    fitted: list[tuple[str, T]] = []
    used = 0
    for text, item in ranked:
        if budget_chars - used < min_chars:
            break
        if used + len(text) > budget_chars:
            continue
        used += len(text)
        fitted.append((text, item))
    return fitted
