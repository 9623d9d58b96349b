"""KB-CAD / KB-FEM imports at their original paths: the export itself is the body.

The canonical ``/import/kb-cad`` and ``/import/kb-fem`` are generated from the
``import_export`` operation (``{export, project, dry_run, source}`` body); exporters written against
``/ingest/kb-*`` post the bare export with ``project``/``dry_run`` as query
parameters, so these two routes stay hand-written over the same operation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from atocore.api import Operations
from atocore.api.engineering import ExportKind
from atocore.db.types import Connection
from atocore.engineering.imports import ImportSummary
from atocore.server.app import changed, get_conn

router = APIRouter(tags=["engineering"])


def _compat(kind: ExportKind) -> None:
    def ingest(
        export: Any = Body(..., description=f"The {kind.upper()} export JSON."),
        project: str | None = None,
        dry_run: bool = False,
        conn: Connection = Depends(get_conn),
    ) -> ImportSummary:
        summary = Operations(conn).import_export(kind, export, project=project, dry_run=dry_run)
        changed({"project": summary.project})
        return summary

    router.add_api_route(
        f"/ingest/{kind}",
        ingest,
        methods=["POST"],
        response_model=ImportSummary,
        name=f"import_export_{kind}",
        include_in_schema=False,
    )


_KINDS: tuple[ExportKind, ...] = ("kb-cad", "kb-fem")
for _kind in _KINDS:
    _compat(_kind)
