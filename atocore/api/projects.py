"""projects operations (being moved here from the front-ends)."""

from __future__ import annotations

from atocore.api.base import OperationsBase


class ProjectsOperations(OperationsBase):
    pass
