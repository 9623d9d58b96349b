"""Captured interactions: capture, list, show, reinforce, extract, forget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from atocore.api.base import Limit, OperationsBase
from atocore.api.routing import route
from atocore.interactions import REINFORCE_BY_DEFAULT

if TYPE_CHECKING:
    from atocore.interactions.service import (
        CapturedInteraction,
        Interaction,
        InteractionSummary,
    )
    from atocore.memory.extractor import ExtractionResult
    from atocore.memory.reinforcement import ReinforcementResult

Text = Annotated[str, Field(min_length=1)]


class InteractionsOperations(OperationsBase):
    @route("POST", "/interactions")
    def capture_interaction(
        self,
        prompt: Text,
        response: str = "",
        project: str = "",
        client: str = "",
        session_id: str = "",
        context_pack: dict[str, Any] | list[Any] | str | None = None,
        memories_used: list[str] | None = None,
        chunks_used: list[str] | None = None,
        response_summary: str = "",
        reinforce: bool = REINFORCE_BY_DEFAULT,
    ) -> CapturedInteraction:
        """Store one prompt/response round-trip (private spans stripped) and reinforce
        the active memories the response restates (unless ``reinforce`` is false).

        Without a ``context_pack``, the pack the prompt hook injected on this side
        (this data dir, or the server) for the same session and prompt is attached.
        """
        from atocore.context.sessions import recall_pack
        from atocore.interactions.service import record_interaction

        if context_pack is None and session_id:
            context_pack = recall_pack(session_id, prompt)
        return record_interaction(
            self.conn,
            prompt,
            response,
            project=project,
            client=client,
            session_id=session_id,
            context_pack=context_pack,
            memories_used=memories_used,
            chunks_used=chunks_used,
            response_summary=response_summary,
            reinforce=reinforce,
        )

    @route("GET", "/interactions")
    def list_interactions(
        self,
        project: str | None = None,
        session_id: str | None = None,
        client: str | None = None,
        since: str | None = None,
        limit: Limit = 50,
    ) -> list[InteractionSummary]:
        """Newest first (at most 500), without response bodies."""
        from atocore.interactions.service import list_interactions

        return list_interactions(
            self.conn,
            project=project,
            session_id=session_id,
            client=client,
            since=since,
            limit=limit,
        )

    @route("GET", "/interactions/{interaction_id}")
    def show_interaction(self, interaction_id: str) -> Interaction:
        """One interaction in full (id or unique prefix)."""
        from atocore.interactions.service import get_interaction

        return get_interaction(self.conn, interaction_id)

    @route("POST", "/interactions/{interaction_id}/reinforce")
    def reinforce_interaction(self, interaction_id: str) -> ReinforcementResult:
        """Reinforce the active memories a stored response restates (safe to re-run)."""
        from atocore.interactions.service import reinforce_interaction

        return reinforce_interaction(self.conn, interaction_id)

    @route("POST", "/interactions/{interaction_id}/extract")
    def extract_interaction(self, interaction_id: str, persist: bool = False) -> ExtractionResult:
        """Propose candidate memories from an interaction (stored, as candidates
        only, with ``persist``)."""
        from atocore.memory.extractor import extract_from_interaction

        return extract_from_interaction(self.conn, interaction_id, persist=persist)

    @route("POST", "/interactions/{interaction_id}/forget")
    def forget_interaction(self, interaction_id: str, reason: str = "") -> dict[str, Any]:
        """Delete a captured interaction for good (privacy); the log keeps no text."""
        from atocore.interactions.service import forget_interaction

        return forget_interaction(self.conn, interaction_id, reason=reason)
