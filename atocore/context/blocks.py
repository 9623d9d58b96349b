"""The unit a context pack is made of, shared by every contributor.

Each layer of the trust order (project state, engineering entities, active
memories, source chunks) turns what it selected into ``ContextBlock``s; the
builder fits them into the budget in trust order.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

BlockKind = Literal["project_state", "entity", "memory", "chunk"]


class ContextBlock(BaseModel):
    kind: BlockKind
    label: str  # one line naming the source, shown above the text
    text: str
    source: str = ""  # file path, entity id, memory id, ...
    score: float = 0.0
    meta: dict = Field(default_factory=dict)
