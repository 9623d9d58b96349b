"""The project registry: list, show, template, propose, register, update,
source, detect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from atocore.api.base import OperationsBase
from atocore.api.routing import local_only, route

if TYPE_CHECKING:
    from atocore.projects.registry import IngestRoot, ProjectDetail, RegisteredProject

ProjectId = Annotated[str, Field(min_length=1, max_length=64)]


class ProjectsOperations(OperationsBase):
    @route("GET", "/projects")
    def list_projects(self) -> list[RegisteredProject]:
        """Registered projects, by id."""
        from atocore.projects.registry import list_projects

        return list_projects()

    @route("GET", "/projects/template")
    def project_template(self) -> dict[str, Any]:
        """An example registry entry to copy."""
        from atocore.projects.registry import template

        return {"projects": [template()]}

    @route("GET", "/projects/{name}")
    def show_project(self, name: str) -> ProjectDetail:
        """One project (id or alias) with its resolved roots."""
        from atocore.projects.registry import project_detail

        return project_detail(name)

    @route("POST", "/projects/proposal")
    def propose_project(
        self,
        project_id: ProjectId,
        aliases: list[str] | None = None,
        description: str = "",
        ingest_roots: list[IngestRoot] | None = None,
    ) -> RegisteredProject:
        """Validate a registration without writing it (id format, collisions)."""
        from atocore.projects.registry import propose_project

        return propose_project(project_id, aliases, description, _roots(ingest_roots))

    @route("POST", "/projects/register", status=201)
    def register_project(
        self,
        project_id: ProjectId,
        aliases: list[str] | None = None,
        description: str = "",
        ingest_roots: list[IngestRoot] | None = None,
    ) -> RegisteredProject:
        """Add a project to the registry."""
        from atocore.projects.registry import register_project

        return register_project(project_id, aliases, description, _roots(ingest_roots))

    @route("PUT", "/projects/{name}")
    def update_project(
        self,
        name: str,
        aliases: list[str] | None = None,
        description: str | None = None,
        ingest_roots: list[IngestRoot] | None = None,
    ) -> RegisteredProject:
        """Replace a project's aliases, description or roots (the id never changes)."""
        from atocore.projects.registry import update_project

        return update_project(
            name, aliases=aliases, description=description, ingest_roots=_roots(ingest_roots)
        )

    @local_only("a source root is a directory on the server's machine: set it there")
    def set_project_source(self, name: str, path: str) -> dict[str, str]:
        """Point a named source root (e.g. ``vault``) at a directory."""
        from pathlib import Path

        from atocore.projects.registry import set_source

        resolved = str(Path(path).expanduser().resolve())
        set_source(name, resolved)
        return {"source": name, "path": resolved}

    @route("POST", "/projects/detect")
    def detect_project(self, text: str = "", cwd: str | None = None) -> dict[str, str | None]:
        """The project a prompt (or a working directory on this side) belongs to, or null."""
        from pathlib import Path

        from atocore.projects.registry import detect_project

        project = detect_project(text, Path(cwd) if cwd else None)
        return {"project": project.id if project else None}


def _roots(roots: list[Any] | None) -> list[dict[str, Any]] | None:
    """Roots as the registry takes them (models from HTTP, dicts from the CLI)."""
    if roots is None:
        return None
    return [r.model_dump() if hasattr(r, "model_dump") else dict(r) for r in roots]
