"""Data-dir setup and the status/health report shared by CLI and server."""

from __future__ import annotations

import os
from typing import Any

from atocore import __version__
from atocore.config import Settings, get_settings
from atocore.db.types import Connection
from atocore.errors import InvalidInput
from atocore.ops.provenance import build_provenance

# Tables counted in status when they exist (later migrations add more); "projects"
# counts the registry (the projects table only holds those with curated state).
COUNTED_TABLES = (
    "project_state",
    "source_documents",
    "source_chunks",
    "memories",
    "interactions",
    "entities",
    "relationships",
    "conflicts",
)


def init_data_dir(settings: Settings | None = None) -> dict[str, Any]:
    """Create the data-dir layout and the database; safe to run again."""
    from atocore.db import open_db
    from atocore.db.migrations import apply_migrations, schema_version
    from atocore.projects.registry import Registry, save_registry

    settings = settings or get_settings()
    created = []
    for path in settings.layout().values():
        if not path.exists():
            created.append(str(path))
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"cannot create {path}: {exc.strerror or exc}") from exc
    if not os.access(settings.data_dir, os.W_OK):
        raise InvalidInput(f"data dir {settings.data_dir} is not writable")
    conn = open_db(settings, migrate=False)
    try:
        applied = apply_migrations(conn)
        version = schema_version(conn)
    finally:
        conn.close()
    registry_created = False
    if not settings.registry_path.exists():
        save_registry(Registry(), settings.registry_path)
        registry_created = True
    return {
        "data_dir": str(settings.data_dir),
        "db_path": str(settings.db_path),
        "registry_path": str(settings.registry_path),
        "created_dirs": created,
        "migrations_applied": applied,
        "schema_version": version,
        "registry_created": registry_created,
    }


def _ops_status(settings: Settings) -> dict[str, Any]:
    """Live serve/watch processes and the newest backup (cheap: file system only)."""
    from atocore.ops.backup import list_backups
    from atocore.ops.locks import running_processes

    processes = [
        {"name": p.name, "pid": p.pid, "started_at": p.started_at, "host": p.host}
        for p in running_processes(settings)
    ]
    snapshots = list_backups(settings)["snapshots"]
    latest = snapshots[-1] if snapshots else None
    return {
        "processes": processes,
        "backups": {
            "root": str(settings.backups_dir),
            "count": len(snapshots),
            "latest": latest["stamp"] if latest else None,
            "latest_created_at": latest["created_at"] if latest else None,
            "latest_valid": latest["valid"] if latest else None,
        },
    }


def _meta(conn: Connection) -> dict[str, str]:
    return {row[0]: row[1] for row in conn.execute("SELECT key, value FROM meta")}


def collect_status(settings: Settings | None = None) -> dict[str, Any]:
    """Paths, schema, counts, embedding model and source readiness.

    Read-only: a data dir that was never initialised is reported as such
    rather than created.
    """
    from atocore.db.connection import connect, vec_available
    from atocore.db.migrations import latest_version, schema_version
    from atocore.projects.registry import load_registry, resolve_root

    settings = settings or get_settings()
    report: dict[str, Any] = {
        "version": __version__,
        **build_provenance(),
        "data_dir": str(settings.data_dir),
        "db_path": str(settings.db_path),
        "registry_path": str(settings.registry_path),
        "paths": {name: str(path) for name, path in settings.layout().items()},
        "initialized": settings.db_path.exists(),
        "schema_version": 0,
        "latest_schema_version": latest_version(),
        "counts": {},
        "embedding": {
            "model": None,
            "dimension": None,
            "model_path": str(settings.embed_model_path) if settings.embed_model_path else None,
        },
        "vector_search": {"available": False, "reason": "database not initialised"},
        "projects": [],
    }
    if settings.db_path.exists():
        conn = connect(settings.db_path, busy_timeout_ms=settings.busy_timeout_ms, create=False)
        try:
            report["schema_version"] = schema_version(conn)
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            report["counts"] = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in COUNTED_TABLES
                if t in tables
            }
            meta = _meta(conn) if "meta" in tables else {}
            report["embedding"] = {
                **report["embedding"],
                "model": meta.get("embed_model"),
                "dimension": int(meta["embed_dim"]) if meta.get("embed_dim") else None,
            }
            if vec_available(conn):
                from atocore.retrieval.health import vector_health

                report["vector_search"] = vector_health(conn)
            else:
                report["vector_search"] = {
                    "available": False,
                    "reason": "sqlite-vec extension could not be loaded",
                }
        finally:
            conn.close()
    report.update(_ops_status(settings))
    registry = load_registry(settings.registry_path)
    if report["counts"]:
        report["counts"] = {"projects": len(registry.projects), **report["counts"]}
    for project in sorted(registry.projects, key=lambda p: p.id):
        roots = [resolve_root(root, registry) for root in project.ingest_roots]
        report["projects"].append(
            {
                "id": project.id,
                "aliases": project.aliases,
                "roots": [{"path": str(p), "exists": p.is_dir()} for p in roots],
            }
        )
    return report
