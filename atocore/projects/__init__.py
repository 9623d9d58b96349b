"""Project registry and the project-name canonicalization boundary."""

from atocore.projects.registry import resolve_project_name

__all__ = ["resolve_project_name"]
