"""Memories and their review: list, add, show, edit, promote, reject,
supersede, forget (graduation is an engineering operation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from atocore.api.base import Limit, OperationsBase
from atocore.api.routing import route

if TYPE_CHECKING:
    from atocore.memory.service import Memory, MemoryDetail, Supersession

Text = Annotated[str, Field(min_length=1)]


class MemoryOperations(OperationsBase):
    @route("GET", "/memory")
    def list_memories(
        self,
        memory_type: str | None = None,
        project: str | None = None,
        status: str | None = None,
        interaction: str | None = None,
        limit: Limit = 100,
    ) -> list[Memory]:
        """Memories newest first; ``status=candidate`` is the review queue."""
        from atocore.memory.service import list_memories

        return list_memories(
            self.conn,
            memory_type=memory_type,
            project=project,
            status=status,
            source_interaction_id=interaction,
            limit=limit,
        )

    @route("POST", "/memory", status=201)
    def add_memory(
        self,
        content: Text,
        memory_type: str = "knowledge",
        project: str = "",
        confidence: float = 1.0,
        candidate: bool = False,
        reason: str = "",
    ) -> Memory:
        """Add a memory by hand: active, or a candidate for review with ``candidate``."""
        from atocore.memory.service import create_memory

        return create_memory(
            self.conn,
            memory_type,
            content,
            project=project,
            status="candidate" if candidate else "active",
            confidence=confidence,
            reason=reason or "added by hand",
        )

    @route("GET", "/memory/{memory_id}")
    def show_memory(self, memory_id: str) -> MemoryDetail:
        """One memory (id or unique prefix) with its provenance and review history."""
        from atocore.memory.review_queue import memory_detail

        return memory_detail(self.conn, memory_id)

    @route("PUT", "/memory/{memory_id}")
    def edit_memory(
        self,
        memory_id: str,
        content: str | None = None,
        memory_type: str | None = None,
        project: str | None = None,
        confidence: float | None = None,
        reason: str = "",
    ) -> Memory:
        """Change a candidate or active memory's text, type, project or confidence."""
        from atocore.memory.service import edit_memory

        return edit_memory(
            self.conn,
            memory_id,
            content=content,
            memory_type=memory_type,
            project=project,
            confidence=confidence,
            reason=reason,
        )

    @route("POST", "/memory/{memory_id}/promote")
    def promote_memory(self, memory_id: str, reason: str = "") -> Memory:
        """candidate → active (it starts joining context packs)."""
        from atocore.memory.service import promote_memory

        return promote_memory(self.conn, memory_id, reason=reason)

    @route("POST", "/memory/{memory_id}/reject")
    def reject_memory(self, memory_id: str, reason: str = "") -> Memory:
        """candidate (or a wrong active memory) → invalid."""
        from atocore.memory.service import reject_memory

        return reject_memory(self.conn, memory_id, reason=reason)

    @route("POST", "/memory/review")
    def review_memories(
        self,
        action: Literal["promote", "reject"],
        memory_ids: list[str] | None = None,
        interaction: str | None = None,
        reason: str = "",
    ) -> list[Memory]:
        """Promote or reject several memories, or every candidate extracted from one
        interaction, all or nothing."""
        from atocore.memory.review_queue import review_memories

        return review_memories(
            self.conn, action, memory_ids, interaction=interaction, reason=reason
        )

    @route("POST", "/memory/{memory_id}/supersede")
    def supersede_memory(
        self, memory_id: str, by: str | None = None, content: str | None = None, reason: str = ""
    ) -> Supersession:
        """Mark an active memory superseded, optionally by a replacement (``by`` an
        existing active memory, or ``content`` for a new one)."""
        from atocore.memory.service import Supersession, supersede_memory

        old, new = supersede_memory(self.conn, memory_id, by=by, new_content=content, reason=reason)
        return Supersession(superseded=old, replacement=new)

    @route("POST", "/memory/{memory_id}/forget")
    def forget_memory(
        self, memory_id: str, with_interaction: bool = False, reason: str = ""
    ) -> dict[str, Any]:
        """Delete a memory for good (privacy), and with ``with_interaction`` the
        captured interaction it came from; the review log keeps no text."""
        from atocore.memory.review_queue import forget_memory_and_source
        from atocore.memory.service import forget_memory

        forget = forget_memory_and_source if with_interaction else forget_memory
        return forget(self.conn, memory_id, reason=reason)
