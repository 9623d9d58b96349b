"""Ingest and refresh registered roots, ingest local paths, re-embed.

Over HTTP only registered roots are ingested, never a path a client names:
a PATH is a path on the caller's machine, so that form stays local.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from atocore.api.base import OperationsBase
from atocore.api.routing import local_only, route

if TYPE_CHECKING:
    from atocore.ingest.pipeline import IngestReport
    from atocore.ingest.reindex import ReindexReport


class IngestOperations(OperationsBase):
    @route("POST", "/ingest/sources")
    def ingest_sources(self, purge_deleted: bool = False) -> IngestReport:
        """Ingest every registered project's roots (incremental)."""
        from atocore.api.progress import reporter
        from atocore.ingest.pipeline import ingest_all

        return ingest_all(self.conn, purge_deleted=purge_deleted, progress=reporter())

    @route("POST", "/projects/{name}/refresh")
    def refresh_project(self, name: str, purge_deleted: bool = False) -> IngestReport:
        """Re-ingest one registered project's roots (id or alias)."""
        from atocore.api.progress import reporter
        from atocore.ingest.pipeline import ingest_project

        return ingest_project(self.conn, name, purge_deleted=purge_deleted, progress=reporter())

    @local_only(
        "a PATH is on this machine; against a server, `atocore ingest` (no path) ingests its "
        "registered roots and `atocore projects refresh NAME` one project's"
    )
    def ingest_paths(
        self, paths: list[Path], project: str | None = None, purge_deleted: bool = False
    ) -> IngestReport:
        """Ingest files or directories (without ``project``: the project whose root holds them)."""
        from atocore.api.progress import reporter
        from atocore.ingest.pipeline import ingest_paths

        return ingest_paths(
            self.conn, paths, project=project, purge_deleted=purge_deleted, progress=reporter()
        )

    @local_only("it re-embeds the whole corpus with this machine's model; run it on the server's")
    def reindex(self) -> ReindexReport:
        """Re-embed every chunk with the configured embedding model (after a model change)."""
        from atocore.api.progress import reporter
        from atocore.ingest.reindex import reindex

        return reindex(self.conn, progress=reporter())
