"""The Human Mirror: render a project's pages, list and read them, failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atocore.api.base import Limit, OperationsBase
from atocore.api.routing import route

if TYPE_CHECKING:
    from atocore.mirror.pages import Failure, MirrorPage, PageInfo
    from atocore.mirror.renderer import RenderRun


class MirrorOperations(OperationsBase):
    @route("POST", "/mirror/{project}/render")
    def render_mirror(self, project: str, force: bool = False, trigger: str = "api") -> RenderRun:
        """Regenerate a project's pages (unchanged inputs leave a page untouched).

        A failure keeps the previous pages, is recorded, and raises."""
        from atocore.mirror.renderer import RenderRun, render_project

        report = render_project(self.conn, project, trigger=trigger, force=force)
        return RenderRun(rendered_at=report.rendered_at, projects=[report.to_dict()], failures=[])

    @route("POST", "/mirror/render")
    def render_all_mirrors(self, force: bool = False, trigger: str = "api") -> RenderRun:
        """Regenerate every known project's pages; one failure does not stop the others."""
        from atocore.api.progress import reporter
        from atocore.mirror.renderer import RenderRun, render_all

        run = render_all(self.conn, trigger=trigger, force=force, progress=reporter())
        return RenderRun.model_validate(run)

    @route("GET", "/mirror/{project}")
    def list_mirror_pages(self, project: str) -> list[PageInfo]:
        """A project's rendered pages with their regeneration time and checksum."""
        from atocore.mirror.pages import list_pages

        return list_pages(project)

    @route("GET", "/mirror/{project}/pages/{page:path}")
    @route("GET", "/mirror/{project}/{page:path}", raw=True)
    def mirror_page(self, project: str, page: str = "overview") -> MirrorPage:
        """One page (overview, decisions, subsystems/<slug>) with its markdown; a project
        never rendered is rendered first. The compatibility path serves the markdown."""
        from atocore.mirror.pages import MirrorPage, list_pages, read_page
        from atocore.mirror.renderer import render_project

        if not list_pages(project):
            render_project(self.conn, project, trigger="show")
        return MirrorPage.model_validate(read_page(project, page))

    @route("GET", "/mirror-failures")
    def mirror_failures(self, project: str | None = None, limit: Limit = 20) -> list[Failure]:
        """Recorded regeneration failures, newest first."""
        from atocore.mirror.pages import list_failures

        return list_failures(self.conn, project, limit)
