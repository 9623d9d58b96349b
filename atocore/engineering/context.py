"""Entity slot of the context pack: active engineering entities relevant to a prompt."""

from __future__ import annotations

from typing import Any

from atocore.context.blocks import ContextBlock


def entity_blocks(conn: Any, project: str, prompt: str, budget_chars: int) -> list[ContextBlock]:
    """Active entities of ``project`` relevant to ``prompt``, within ``budget_chars``.

    Candidates are never returned. Until the entity schema exists this is empty.
    """
    return []
