"""The project registry: a JSON file of projects, aliases and ingest roots.

``resolve_project_name`` is THE canonicalization boundary: every service
entry point that takes a project name calls it first, so an alias and the
canonical id always read and write the same rows.

File shape::

    {
      "sources": {"vault": "~/vault"},
      "projects": [
        {"id": "p05-interferometer", "aliases": ["p05"], "description": "...",
         "ingest_roots": [{"source": "vault", "subpath": "projects/p05"}]}
      ]
    }

A root's ``source`` names an entry of ``sources`` (overridable with the env
var ``ATOCORE_SOURCE_<NAME>``) or is itself a path; relative paths are
relative to the registry file. A ``subpath`` is relative and stays inside
its source (normalised; ``..`` refused). A new path source can only come
from this machine: inside an HTTP request it is refused unless the operator
set ``ATOCORE_ALLOW_REMOTE_PATHS=1`` (see ``paths_allowed``).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from atocore.config import get_settings, remote_caller
from atocore.errors import ConflictError, Forbidden, InvalidInput, NotFound
from atocore.projects.names import id_error, name_error
from atocore.retrieval.query import query_text


def normalize_subpath(value: str) -> str:
    """A relative, normalised subpath that cannot leave its source."""
    text = value.strip().replace("\\", "/")
    if not text:
        return ""
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise ValueError(f"subpath must be relative to its source, got {value!r}")
    if ".." in text.split("/"):
        raise ValueError(f"subpath must stay inside its source (no '..'), got {value!r}")
    normal = posixpath.normpath(text)
    return "" if normal == "." else normal


class IngestRoot(BaseModel):
    source: str = Field(min_length=1)
    subpath: str = ""
    label: str = ""

    @field_validator("subpath")
    @classmethod
    def _check_subpath(cls, value: str) -> str:
        return normalize_subpath(value)


class RegisteredProject(BaseModel):
    id: str
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    ingest_roots: list[IngestRoot] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        error = id_error(value)
        if error:
            raise ValueError(error)
        return value

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, value: list[str]) -> list[str]:
        cleaned = [a.strip() for a in value]
        for alias in cleaned:
            error = name_error(alias)
            if error:
                raise ValueError(error.replace("project name", "alias", 1))
        return cleaned

    def names(self) -> list[str]:
        """The id and every alias: the names this project answers to."""
        return [self.id, *self.aliases]


class Registry(BaseModel):
    sources: dict[str, str] = Field(default_factory=dict)
    projects: list[RegisteredProject] = Field(default_factory=list)


# --- loading and saving -----------------------------------------------------

_cache: dict[Path, tuple[float, int, Registry]] = {}


def registry_path() -> Path:
    return get_settings().registry_path


def load_registry(path: Path | None = None) -> Registry:
    """Parse the registry file; a missing file is an empty registry."""
    path = path or registry_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Registry()
    cached = _cache.get(path)
    if cached and cached[0] == stat.st_mtime and cached[1] == stat.st_size:
        return cached[2]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"project registry {path} is not valid JSON: {exc}") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read project registry {path}: {exc}") from exc
    try:
        registry = Registry.model_validate(data)
        check_collisions(registry.projects)
    except ValidationError as exc:
        raise InvalidInput(f"project registry {path} is invalid: {_first_error(exc)}") from exc
    _cache[path] = (stat.st_mtime, stat.st_size, registry)
    return registry


def save_registry(registry: Registry, path: Path | None = None) -> Path:
    """Write atomically: a temp file in the same directory, then rename."""
    path = path or registry_path()
    check_collisions(registry.projects)
    text = json.dumps(registry.model_dump(exclude_defaults=False), indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise InvalidInput(f"cannot write project registry {path}: {exc}") from exc
    _cache.pop(path, None)
    return path


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def check_collisions(projects: list[RegisteredProject]) -> None:
    """No name (id or alias, case-insensitive) may belong to two projects."""
    owner: dict[str, str] = {}
    for project in projects:
        for name in {n.lower() for n in project.names()}:
            if name in owner and owner[name] != project.id:
                raise ConflictError(
                    f"name {name!r} is used by both {owner[name]!r} and {project.id!r}"
                )
            owner[name] = project.id


# --- lookups ------------------------------------------------------------------


def get_registered_project(name: str | None) -> RegisteredProject | None:
    """The project whose id or alias matches ``name`` (case-insensitive)."""
    if not name:
        return None
    wanted = name.strip().lower()
    for project in load_registry().projects:
        if wanted in (n.lower() for n in project.names()):
            return project
    return None


def resolve_project_name(name: str | None) -> str:
    """Canonicalize a project name through the registry.

    Registered id or alias → canonical id; unregistered → unchanged
    (stripped); empty/None → "". Every service entry point that takes a
    project name calls this first.
    """
    if not name or not name.strip():
        return ""
    project = get_registered_project(name)
    return project.id if project else name.strip()


def require_project(name: str) -> RegisteredProject:
    project = get_registered_project(name)
    if project is None:
        known = ", ".join(p.id for p in load_registry().projects) or "none registered"
        raise NotFound(f"unknown project {name!r} (known: {known})")
    return project


def list_projects() -> list[RegisteredProject]:
    return sorted(load_registry().projects, key=lambda p: p.id)


def _source_env(source: str) -> str | None:
    return os.environ.get(f"ATOCORE_SOURCE_{source.upper().replace('-', '_')}")


def is_named_source(source: str, registry: Registry) -> bool:
    """Whether ``source`` names a source configured on this machine (not a path)."""
    return source in registry.sources or bool(_source_env(source))


def resolve_root(root: IngestRoot, registry: Registry | None = None) -> Path:
    """Absolute directory an ingest root points at."""
    registry = registry or load_registry()
    base = _source_env(root.source) or registry.sources.get(root.source) or root.source
    path = Path(base).expanduser()
    if not path.is_absolute():
        path = registry_path().parent / path
    return (path / root.subpath).resolve() if root.subpath else path.resolve()


def project_roots(project: RegisteredProject) -> list[Path]:
    registry = load_registry()
    return [resolve_root(root, registry) for root in project.ingest_roots]


def registered_roots() -> list[tuple[Path, str]]:
    """``(root folder, project id)`` for every ingest root of every registered
    project: the one enumeration that ingest, refresh and watch share."""
    registry = load_registry()
    return [
        (resolve_root(root, registry), project.id)
        for project in registry.projects
        for root in project.ingest_roots
    ]


# --- writes ---------------------------------------------------------------------


def template() -> dict:
    """An example entry users can copy into a registration."""
    return {
        "id": "p01-example",
        "aliases": ["p01", "example"],
        "description": "One line on what this project is",
        "ingest_roots": [{"source": "vault", "subpath": "projects/p01-example"}],
    }


def paths_allowed(allow_paths: bool | None = None) -> bool:
    """Whether a new ingest root may name a filesystem path (not a named source).

    An explicit ``allow_paths`` wins. Otherwise a local caller may; an HTTP
    client (``remote_caller``) only when the operator set
    ``ATOCORE_ALLOW_REMOTE_PATHS=1`` — the server never reads a path a
    client made up.
    """
    if allow_paths is not None:
        return allow_paths
    return not remote_caller.get() or get_settings().allow_remote_paths


def _check_sources(
    project: RegisteredProject,
    registry: Registry,
    allow_paths: bool | None,
    kept: tuple[str, ...] = (),
) -> None:
    """Refuse a root whose source is a new path when paths are not allowed."""
    if paths_allowed(allow_paths):
        return
    for root in project.ingest_roots:
        if is_named_source(root.source, registry) or root.source in kept:
            continue
        named = ", ".join(sorted(registry.sources)) or "none configured"
        raise Forbidden(
            f"ingest root source {root.source!r} is not a named source of this server "
            f"(named sources: {named}); configure it on the server's machine "
            "(`atocore projects source NAME PATH`) or set ATOCORE_ALLOW_REMOTE_PATHS=1 there"
        )


def propose_project(
    project_id: str,
    aliases: list[str] | None = None,
    description: str = "",
    ingest_roots: list[dict] | None = None,
    *,
    allow_paths: bool | None = None,
) -> RegisteredProject:
    """Validate a new project against the registry without writing anything."""
    try:
        project = RegisteredProject(
            id=project_id,
            aliases=aliases or [],
            description=description,
            ingest_roots=[IngestRoot.model_validate(r) for r in ingest_roots or []],
        )
    except ValidationError as exc:
        raise InvalidInput(_first_error(exc)) from exc
    registry = load_registry()
    if any(p.id == project.id for p in registry.projects):
        raise ConflictError(f"project {project.id!r} is already registered")
    check_collisions([*registry.projects, project])
    _check_sources(project, registry, allow_paths)
    return project


def register_project(
    project_id: str,
    aliases: list[str] | None = None,
    description: str = "",
    ingest_roots: list[dict] | None = None,
    *,
    allow_paths: bool | None = None,
) -> RegisteredProject:
    """Add a project (this is also how a new project name is created explicitly)."""
    project = propose_project(
        project_id, aliases, description, ingest_roots, allow_paths=allow_paths
    )
    registry = load_registry()
    save_registry(Registry(sources=registry.sources, projects=[*registry.projects, project]))
    return project


def update_project(
    name: str,
    *,
    aliases: list[str] | None = None,
    description: str | None = None,
    ingest_roots: list[dict] | None = None,
    allow_paths: bool | None = None,
) -> RegisteredProject:
    """Change aliases, description or roots. The id itself never changes.

    Roots whose source the project already had stay allowed; a new path
    source follows ``paths_allowed``.
    """
    current = require_project(name)
    data = current.model_dump()
    if aliases is not None:
        data["aliases"] = aliases
    if description is not None:
        data["description"] = description
    if ingest_roots is not None:
        data["ingest_roots"] = ingest_roots
    try:
        updated = RegisteredProject.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_first_error(exc)) from exc
    registry = load_registry()
    _check_sources(updated, registry, allow_paths, tuple(r.source for r in current.ingest_roots))
    projects = [updated if p.id == current.id else p for p in registry.projects]
    save_registry(Registry(sources=registry.sources, projects=projects))
    return updated


def set_source(name: str, path: str) -> None:
    """Point a named source root (e.g. ``vault``) at a directory."""
    registry = load_registry()
    sources = {**registry.sources, name: path}
    save_registry(Registry(sources=sources, projects=registry.projects))


# --- detection ------------------------------------------------------------------

_WORD = re.compile(r"[\w.-]+")


def detect_project(text: str, cwd: Path | None = None) -> RegisteredProject | None:
    """Guess the project a prompt (or working directory) is about.

    A working directory inside a project's ingest root wins; otherwise the
    project whose id or alias appears as a whole word in the text, the
    longest name first so ``p05-interferometer`` beats ``p05``.
    """
    registry = load_registry()
    if cwd is not None:
        try:
            cwd = cwd.resolve()
        except (ValueError, OSError) as exc:  # a NUL byte, a loop
            raise InvalidInput(f"invalid working directory {str(cwd)!r}: {exc}") from exc
        for project in registry.projects:
            for root in project.ingest_roots:
                path = resolve_root(root, registry)
                if cwd == path or path in cwd.parents:
                    return project
    lowered = query_text(text).lower()  # a pasted megabyte log is not scanned whole
    words = {w.strip(".-") for w in _WORD.findall(lowered)}
    candidates = sorted(
        ((name.lower(), project) for project in registry.projects for name in project.names()),
        key=lambda item: -len(item[0]),
    )
    for name, project in candidates:
        if name in words or (" " in name and re.search(rf"\b{re.escape(name)}\b", lowered)):
            return project
    return None


# --- detail -----------------------------------------------------------------------


class ResolvedRoot(BaseModel):
    path: str
    exists: bool


class ProjectDetail(RegisteredProject):
    """A project as ``projects show`` and ``GET /projects/{name}`` give it."""

    resolved_roots: list[ResolvedRoot] = Field(default_factory=list)


def project_detail(name: str) -> ProjectDetail:
    """The project ``name`` (id or alias) with the directories its roots point at."""
    project = require_project(name)
    roots = [ResolvedRoot(path=str(p), exists=p.is_dir()) for p in project_roots(project)]
    return ProjectDetail(**project.model_dump(), resolved_roots=roots)
