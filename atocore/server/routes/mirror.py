"""A Mirror page as text/markdown at its original path (the JSON form is generated)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from atocore.api import Operations
from atocore.db.types import Connection
from atocore.server.app import get_conn

router = APIRouter(tags=["mirror"])


@router.get("/mirror/{project}/{page:path}", response_class=PlainTextResponse)
def page(project: str, page: str, conn: Connection = Depends(get_conn)) -> PlainTextResponse:
    """One page as text/markdown: overview, decisions, subsystems/<slug>."""
    text = Operations(conn).mirror_page(project, page).markdown
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
