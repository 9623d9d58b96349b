"""Search, context packs and retrieval audits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from atocore.api.base import OperationsBase
from atocore.api.routing import route
from atocore.retrieval.modes import Mode

if TYPE_CHECKING:
    from atocore.context.builder import ContextPack
    from atocore.retrieval.audit import AuditReport
    from atocore.retrieval.chunks import Chunk
    from atocore.retrieval.notes import NoteLinks
    from atocore.retrieval.search import SearchResult

TopK = Annotated[int, Field(ge=1, le=200)]
Budget = Annotated[int, Field(ge=1, le=200_000)]
Text = Annotated[str, Field(min_length=1)]
ChunkId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a SQLite rowid


class RetrievalOperations(OperationsBase):
    @route("POST", "/query", only_reads=True)
    def search(
        self, query: Text, project: str | None = None, top_k: TopK = 10, mode: Mode = "hybrid"
    ) -> SearchResult:
        """Hybrid (BM25 + vector) search over ingested chunks."""
        from atocore.retrieval.search import search

        return search(self.conn, query, project=project, top_k=top_k, mode=mode)

    @route("POST", "/context/build", only_reads=True)
    def build_context(
        self,
        prompt: Text,
        project: str | None = None,
        budget: Budget = 3000,
        mode: Mode = "hybrid",
        budget_tokens: Annotated[int, Field(ge=1, le=50_000)] | None = None,
    ) -> ContextPack:
        """A budgeted context pack in trust order (``project`` may be an alias or "auto").

        ``budget`` is in characters; ``budget_tokens``, when given, replaces it
        with about that many tokens (4 characters each, an estimate).
        """
        from atocore.context.builder import ContextOptions, build_context, chars_for_tokens

        if budget_tokens is not None:
            budget = chars_for_tokens(budget_tokens)
        options = ContextOptions(budget=budget, retrieval_mode=mode)
        return build_context(self.conn, prompt, project=project, options=options)

    @route("GET", "/context/last")
    @route("GET", "/debug/context")
    def last_context(self) -> ContextPack:
        """The last pack built in this data dir."""
        from atocore.context.builder import load_last_pack

        return load_last_pack()

    @route("POST", "/query/audit", only_reads=True)
    def audit_query(
        self, query: Text, project: str | None = None, top_k: TopK = 10, mode: Mode = "hybrid"
    ) -> AuditReport:
        """Label each corpus-wide hit on-/off-project and flag weak ones."""
        from atocore.retrieval.audit import audit_query

        return audit_query(self.conn, query, project=project, top_k=top_k, mode=mode)

    @route("POST", "/chunks", only_reads=True)
    def get_chunks(
        self, ids: Annotated[list[ChunkId], Field(min_length=1, max_length=50)]
    ) -> list[Chunk]:
        """Chunks in full by id (after a search showed compact hits)."""
        from atocore.retrieval.chunks import get_chunks

        return get_chunks(self.conn, ids)

    @route("GET", "/notes/links")
    def note_links(self, note: str, project: str | None = None) -> NoteLinks:
        """A note's wikilinks (resolved or not) and the notes that link to it."""
        from atocore.retrieval.notes import note_links

        return note_links(self.conn, note, project=project)
