"""Human Mirror pages (read-only markdown) and on-demand rendering."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from atocore.mirror.pages import PageInfo
from atocore.server.app import get_conn
from atocore.server.security import safe_name

router = APIRouter(tags=["mirror"])


def _project(name: str) -> str:
    return safe_name(name, "project name")


@router.get("/mirror/{project}", response_model=list[PageInfo])
def pages(project: str) -> list[dict[str, Any]]:
    """Rendered pages of a project (as `atocore mirror list --json`)."""
    from atocore.mirror.pages import list_pages

    return [p.model_dump() for p in list_pages(_project(project))]


@router.post("/mirror/{project}/render")
def render(project: str, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Regenerate a project's pages now."""
    from atocore.jsonable import to_jsonable
    from atocore.mirror.renderer import render_project

    return to_jsonable(render_project(conn, _project(project), trigger="http"))


@router.get("/mirror/{project}/{page:path}", response_class=PlainTextResponse)
def page(project: str, page: str, conn: Any = Depends(get_conn)) -> PlainTextResponse:
    """One page as text/markdown: overview, decisions, subsystems/<slug>."""
    from atocore.mirror.pages import list_pages, read_page
    from atocore.mirror.renderer import render_project

    project = _project(project)
    if not list_pages(project):
        render_project(conn, project, trigger="http")
    data = read_page(project, page)
    return PlainTextResponse(data["markdown"], media_type="text/markdown; charset=utf-8")
