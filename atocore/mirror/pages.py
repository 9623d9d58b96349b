"""Reading rendered Mirror pages back: list, show, failures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound
from atocore.mirror.renderer import existing_checksum, project_dir

_REGENERATED = re.compile(r"^\s*Regenerated: (\S+)\s*$", re.MULTILINE)
_PAGE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class PageInfo(BaseModel):
    page: str
    path: str
    regenerated: str
    checksum: str
    bytes: int


class MirrorPage(PageInfo):
    """A page with its markdown (``read_page``)."""

    project: str
    markdown: str


class Failure(BaseModel):
    id: int
    project: str
    trigger: str
    error: str
    failed_at: str


def _info(directory: Path, path: Path) -> PageInfo:
    head = path.read_text(encoding="utf-8", errors="replace")[:2048]
    match = _REGENERATED.search(head)
    return PageInfo(
        page=path.relative_to(directory).with_suffix("").as_posix(),
        path=str(path),
        regenerated=match.group(1) if match else "",
        checksum=existing_checksum(path) or "",
        bytes=path.stat().st_size,
    )


def _order(info: PageInfo) -> tuple[int, str]:
    rank = {"overview": 0, "decisions": 1}
    return (rank.get(info.page, 2), info.page)


def list_pages(project: str) -> list[PageInfo]:
    """Generated pages on disk for ``project``: overview, decisions, then subsystems."""
    directory = project_dir(project)
    if not directory.exists():
        return []
    found = [
        _info(directory, path)
        for path in directory.rglob("*.md")
        if existing_checksum(path) is not None
    ]
    return sorted(found, key=_order)


def page_path(project: str, page: str = "overview") -> Path:
    """File of ``page``: overview, decisions, subsystems/<slug> (or just <slug>)."""
    directory = project_dir(project)
    name = (page or "overview").strip().removesuffix(".md")
    aliases = {"decision-log": "decisions", "decision": "decisions", "index": "overview"}
    name = aliases.get(name, name)
    parts = name.split("/")
    if len(parts) == 2 and parts[0] in ("subsystems", "subsystem"):
        parts = ["subsystems", parts[1]]
    elif len(parts) == 1 and name not in ("overview", "decisions"):
        parts = ["subsystems", name]
    if len(parts) != 2 and parts not in (["overview"], ["decisions"]):
        raise InvalidInput(f"invalid page name {page!r}")
    if not all(_PAGE.match(p) for p in parts):
        raise InvalidInput(f"invalid page name {page!r}")
    return directory.joinpath(*parts).with_suffix(".md")


def read_page(project: str, page: str = "overview") -> dict[str, Any]:
    """The markdown of a rendered page; ``NotFound`` names the pages that exist."""
    path = page_path(project, page)
    if not path.is_file():
        available = ", ".join(p.page for p in list_pages(project)) or "none rendered yet"
        raise NotFound(f"no mirror page {page!r} for {project_dir(project).name} ({available})")
    directory = project_dir(project)
    info = _info(directory, path)
    return {**info.model_dump(), "project": directory.name, "markdown": path.read_text("utf-8")}


def list_failures(conn: Connection, project: str | None = None, limit: int = 20) -> list[Failure]:
    """Recorded regeneration failures, newest first."""
    sql = "SELECT id, project, trigger, error, failed_at FROM mirror_regeneration_failures"
    params: list[Any] = []
    if project:
        sql += " WHERE project = ?"
        params.append(project_dir(project).name)
    sql += " ORDER BY failed_at DESC, id DESC LIMIT ?"
    params.append(limit)
    return [Failure(**dict(row)) for row in conn.execute(sql, params)]
