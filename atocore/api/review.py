"""The review queue as data: what ``atocore review`` walks, locally or on a
server. Its actions are the memory and entity promote / reject / edit
operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atocore.api.base import Limit, OperationsBase
from atocore.api.routing import route

if TYPE_CHECKING:
    from atocore.memory.review_queue import ItemKind, ReviewItem


class ReviewOperations(OperationsBase):
    @route("GET", "/review")
    def review_queue(
        self,
        entities: bool = False,
        memory_type: str | None = None,
        project: str | None = None,
        entity_type: str | None = None,
        limit: Limit = 200,
    ) -> list[ReviewItem]:
        """Candidates oldest first, each with its provenance and the active
        records it resembles: memories, or engineering entities with ``entities``."""
        from atocore.memory.review_queue import review_queue

        return review_queue(
            self.conn,
            entities=entities,
            memory_type=memory_type,
            project=project,
            entity_type=entity_type,
            limit=limit,
        )

    @route("GET", "/review/{kind}/{item_id}")
    def review_item(self, kind: ItemKind, item_id: str) -> ReviewItem:
        """One candidate (id or unique prefix) as it stands now: what it
        resembles is computed afresh."""
        from atocore.memory.review_queue import review_item

        return review_item(self.conn, kind, item_id)
