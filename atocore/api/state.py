"""Trusted project state: curated facts that lead every context pack.

``/state`` is the canonical HTTP vocabulary (the CLI's word); the reference
system's ``/project/state`` paths stay as compatibility routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from atocore.api.base import OperationsBase
from atocore.api.routing import route

if TYPE_CHECKING:
    from atocore.context.project_state import StateEntry

Text = Annotated[str, Field(min_length=1)]


class StateOperations(OperationsBase):
    @route("GET", "/state/{project}")
    @route("GET", "/project/state/{project}")
    def get_state(
        self,
        project: str,
        category: str | None = None,
        all: bool = False,
    ) -> list[StateEntry]:
        """A project's active state (its full history with ``all``)."""
        from atocore.context.project_state import get_state

        return get_state(self.conn, project, category=category, include_history=all)

    @route("POST", "/state")
    @route("POST", "/project/state")
    def set_state(
        self,
        project: Text,
        category: str,
        key: Text,
        value: Text,
        source: str = "",
        confidence: float = 1.0,
    ) -> StateEntry:
        """Set the active value of project/category/key (the old value becomes history)."""
        from atocore.context.project_state import set_state

        return set_state(
            self.conn, project, category, key, value, source=source, confidence=confidence
        )

    @route("POST", "/state/invalidate")
    @route("DELETE", "/state")
    @route("DELETE", "/project/state")
    @route("POST", "/project/state/invalidate")
    def invalidate_state(self, project: Text, category: str, key: Text) -> StateEntry:
        """Retire the active value of project/category/key (kept as history)."""
        from atocore.context.project_state import invalidate_state

        return invalidate_state(self.conn, project, category, key)
