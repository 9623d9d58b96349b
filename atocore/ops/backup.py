"""Snapshots of a data dir: create, list, validate, cleanup (restore: ops.restore).

A snapshot is a directory ``<root>/<YYYYMMDDTHHMMSSZ>/`` (root: the data
dir's ``backups/snapshots`` or any ``dest``) holding::

    backup-metadata.json          what was captured, checksums, validation
    db/atocore.db                 the whole database (chunks, FTS, vectors...)
    config/project-registry.json  the project registry, when one exists
    templates/                    template overrides (e.g. templates/mirror), when present
    validation.json               the latest validation result

The database copy uses SQLite's online backup API, so it is consistent
even while ``serve``/``watch`` write (WAL readers never block writers).
Vectors live inside SQLite (sqlite-vec), so one database snapshot covers
everything; the mirror pages are regenerated, never backed up. Paths in
the metadata are relative, so a snapshot copied to another machine still
validates and restores.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from atocore import __version__
from atocore.config import Settings, get_settings
from atocore.db.types import Connection
from atocore.errors import ConflictError, InvalidInput, NotFound, OperationFailed, storage_failure
from atocore.ops.locks import lock_path
from atocore.ops.retention import (
    PARTIAL_SUFFIX,
    STAMP_FORMAT,
    cleanup_snapshots,
    parse_stamp,
    partials,
    remove_stale_partials,
)
from atocore.text import content_hash, file_hash

METADATA_FILE = "backup-metadata.json"
VALIDATION_FILE = "validation.json"
DB_REL = "db/atocore.db"
REGISTRY_REL = "config/project-registry.json"
# Template override trees (mirror templates live in templates/mirror), relative to the data dir.
TEMPLATE_TREES = ("templates",)
FORMAT_VERSION = 1
# Databases with at least this many pages are copied in steps with progress.
STEP_THRESHOLD_PAGES = 4096
MAX_RESTARTS = 3

_STAMP = re.compile(r"^\d{8}T\d{6}Z$")
# progress(phase, done, total)
Progress = Callable[[str, int, int], None]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def snapshots_root(settings: Settings | None = None, dest: Path | None = None) -> Path:
    """Where snapshots live: ``dest`` when given, else ``<data>/backups/snapshots``."""
    settings = settings or get_settings()
    return Path(dest).expanduser().absolute() if dest else settings.backups_dir


def check_stamp(stamp: str) -> str:
    stamp = (stamp or "").strip()
    if not _STAMP.match(stamp) or parse_stamp(stamp) is None:
        raise InvalidInput(f"invalid snapshot stamp {stamp!r} (expected YYYYMMDDTHHMMSSZ)")
    return stamp


def snapshot_path(stamp: str, settings: Settings | None = None, dest: Path | None = None) -> Path:
    path = snapshots_root(settings, dest) / check_stamp(stamp)
    if not path.is_dir():
        raise NotFound(f"no snapshot {stamp} under {snapshots_root(settings, dest)}")
    return path


def _free_stamp(root: Path) -> str:
    """The current UTC second, or the next free one when that name is taken."""
    when = _now().replace(microsecond=0)
    while True:
        stamp = when.strftime(STAMP_FORMAT)
        if not (root / stamp).exists() and not (root / f"{stamp}.partial").exists():
            return stamp
        when += timedelta(seconds=1)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


# --- the database copy ------------------------------------------------------


class _Restarted(Exception):
    """The source changed under a stepped copy too often; copy in one step."""


def _copy_database(src_path: Path, dst_path: Path, settings: Settings, progress, step_pages):
    from atocore.db.connection import connect
    from atocore.db.migrations import schema_version

    src = connect(src_path, busy_timeout_ms=settings.busy_timeout_ms, create=False)
    try:
        total = src.execute("PRAGMA page_count").fetchone()[0]
        step = step_pages if step_pages is not None else -1
        if step_pages is None and total >= STEP_THRESHOLD_PAGES:
            step = max(256, total // 100)
        dst_path.parent.mkdir(parents=True, exist_ok=True)
        dst = connect(dst_path, busy_timeout_ms=settings.busy_timeout_ms)
        try:
            # The target is a fresh file in a *.partial dir that is discarded on
            # any failure and fsynced by the caller: no journal needed while
            # copying (about 4x faster than writing through a WAL).
            dst.execute("PRAGMA journal_mode = OFF")
            dst.execute("PRAGMA synchronous = OFF")
            state = {"restarts": 0}  # and "last": the pages remaining at the last step

            def on_step(_status: int, remaining: int, pages: int) -> None:
                last = state.get("last")
                if last is not None and remaining > last:
                    state["restarts"] += 1
                    if state["restarts"] > MAX_RESTARTS:
                        raise _Restarted
                state["last"] = remaining
                if progress:
                    progress("database", pages - remaining, pages)

            try:
                if step == -1:
                    src.backup(dst)
                else:
                    src.backup(dst, pages=step, progress=on_step)
            except _Restarted:
                src.backup(dst)
            if progress:
                progress("database", total, total)
            # A self-contained single file: no -wal beside the snapshot.
            dst.execute("PRAGMA journal_mode = DELETE")
            version = schema_version(dst)
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    return {"schema_version": version, "page_count": pages, "restarts": state["restarts"]}


# --- create -------------------------------------------------------------------


_backup_ids = itertools.count(1)


def create_backup(
    settings: Settings | None = None,
    *,
    dest: Path | None = None,
    kind: str = "manual",
    progress: Progress | None = None,
    step_pages: int | None = None,
    lock: bool = True,
) -> dict[str, Any]:
    """Snapshot the database, registry and template overrides, then validate it.

    Validation problems do not raise: they are recorded in the metadata
    (``validated: false`` + ``validation_errors``) and returned, because
    the files are still worth keeping for inspection. While it runs the
    backup holds a ``backup-<pid>-<n>`` process lock, so a restore cannot
    swap the database underneath it (and refuses instead).
    """
    from atocore.ops.locks import hold_process_lock

    settings = settings or get_settings()
    if not lock:
        return _create_backup(settings, dest, kind, progress, step_pages)
    with hold_process_lock(f"backup-{os.getpid()}-{next(_backup_ids)}", settings):
        return _create_backup(settings, dest, kind, progress, step_pages)


def _create_backup(settings, dest, kind, progress, step_pages) -> dict[str, Any]:
    if not settings.db_path.exists():
        raise InvalidInput(f"nothing to back up: no database at {settings.db_path}")
    root = snapshots_root(settings, dest)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failure = storage_failure(exc, f"no backup was made (cannot create {root})")
        raise failure or InvalidInput(
            f"cannot create backup dir {root}: {exc.strerror or exc}"
        ) from exc
    removed_partials, _ = remove_stale_partials(root)  # left by interrupted backups
    stamp = _free_stamp(root)
    work = root / f"{stamp}{PARTIAL_SUFFIX}"
    started = _now()
    try:
        work.mkdir()
        with lock_path(work):  # a concurrent backup or cleanup sees it is not stale
            metadata = _write_snapshot(settings, work, stamp, kind, started, progress, step_pages)
            os.replace(work, root / stamp)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        failure = storage_failure(exc, "no backup was made") if isinstance(exc, Exception) else None
        if failure is not None:
            raise failure from exc
        if isinstance(exc, OSError):
            raise OperationFailed(f"backup failed: {exc.strerror or exc}") from exc
        raise
    validation = validate_backup(stamp, settings, dest=dest)
    metadata["validated"] = validation["valid"]
    metadata["validation_errors"] = validation["errors"]
    with contextlib.suppress(OSError):
        _write_json(root / stamp / METADATA_FILE, metadata)
    return {
        **metadata,
        "path": str(root / stamp),
        "validation": validation,
        "removed_partials": removed_partials,
    }


def _write_snapshot(settings, work, stamp, kind, started, progress, step_pages) -> dict:
    """Copy everything into ``work`` and write its metadata; returns the metadata."""
    from atocore.ops.provenance import build_provenance

    db_info = _copy_database(settings.db_path, work / DB_REL, settings, progress, step_pages)
    db_file = work / DB_REL
    _fsync_file(db_file)
    registry = None
    if settings.registry_path.is_file():
        data = settings.registry_path.read_bytes()
        (work / REGISTRY_REL).parent.mkdir(parents=True, exist_ok=True)
        (work / REGISTRY_REL).write_bytes(data)
        registry = {
            "path": REGISTRY_REL,
            "source": str(settings.registry_path),
            "bytes": len(data),
            "sha256": content_hash(data),
        }
    templates, template_files = [], []
    for rel in TEMPLATE_TREES:
        source = settings.data_dir / rel
        if source.is_dir() and any(source.iterdir()):
            shutil.copytree(source, work / rel, dirs_exist_ok=True)
            templates.append(rel)
            template_files += sorted(
                f.relative_to(work).as_posix() for f in (work / rel).rglob("*") if f.is_file()
            )
    metadata: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "stamp": stamp,
        "kind": kind,
        "created_at": _iso(started),
        "finished_at": _iso(_now()),
        "atocore_version": __version__,
        **build_provenance(),
        "source": {
            "data_dir": str(settings.data_dir),
            "db_path": str(settings.db_path),
            "registry_path": str(settings.registry_path),
        },
        "db": {
            "path": DB_REL,
            "bytes": db_file.stat().st_size,
            "sha256": file_hash(db_file),
            **db_info,
        },
        "registry": registry,
        "templates": templates,
        "template_files": template_files,
        "validated": None,
        "validation_errors": [],
    }
    _write_json(work / METADATA_FILE, metadata)
    return metadata


# --- list -----------------------------------------------------------------------


def _summary(path: Path) -> dict[str, Any]:
    metadata = _read_json(path / METADATA_FILE) or {}
    last = _read_json(path / VALIDATION_FILE)
    db = metadata.get("db") or {}
    return {
        "stamp": path.name,
        "path": str(path),
        "kind": metadata.get("kind"),
        "created_at": metadata.get("created_at"),
        "db_bytes": db.get("bytes"),
        "schema_version": db.get("schema_version"),
        "has_registry": bool(metadata.get("registry")),
        "has_metadata": bool(metadata),
        "valid": last.get("valid") if last else metadata.get("validated"),
        "validated_at": last.get("validated_at") if last else None,
    }


def list_backups(settings: Settings | None = None, *, dest: Path | None = None) -> dict[str, Any]:
    """Snapshots under the root, oldest first; ``*.partial`` folders (backups in
    progress or interrupted: ``stale``) and other entries listed apart."""
    root = snapshots_root(settings, dest)
    snapshots, other = [], []
    found = partials(root)
    names = {p["name"] for p in found}
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            if entry.is_dir() and parse_stamp(entry.name):
                snapshots.append(_summary(entry))
            elif entry.name not in names:
                other.append(entry.name)
    return {"root": str(root), "snapshots": snapshots, "partials": found, "other": other}


def latest_stamp(settings: Settings | None = None, *, dest: Path | None = None) -> str | None:
    snapshots = list_backups(settings, dest=dest)["snapshots"]
    return snapshots[-1]["stamp"] if snapshots else None


# --- validate -------------------------------------------------------------------


def _check_database(db_file: Path, expected: dict, errors: dict, warnings: dict) -> dict:
    from atocore.db.connection import connect, sqlite_module, vec_available
    from atocore.db.migrations import latest_version

    info: dict[str, Any] = {"integrity": None, "schema_version": None, "vec_loaded": None}
    if not db_file.is_file():
        errors["db_missing"] = f"{DB_REL} is missing"
        return info
    if expected.get("sha256") and file_hash(db_file) != expected["sha256"]:
        errors["db_checksum_mismatch"] = "database bytes differ from the checksum taken at backup"
    sqlite = sqlite_module()
    try:
        conn = connect(db_file, readonly=True)
    except InvalidInput as exc:
        errors["db_open_failed"] = exc.message
        return info
    try:
        info["vec_loaded"] = vec_available(conn)
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        info["integrity"] = rows[:20]
        if rows != ["ok"]:
            errors["db_integrity_check_failed"] = "; ".join(rows[:5])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        _check_vectors(conn, errors)
        if "schema_migrations" in tables:
            row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
            info["schema_version"] = row[0] or 0
            if info["schema_version"] > latest_version():
                warnings["db_schema_newer_than_code"] = (
                    f"snapshot schema v{info['schema_version']} is newer than this "
                    f"atocore (v{latest_version()})"
                )
    except sqlite.Error as exc:
        errors.setdefault("db_integrity_check_failed", f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    return info


def _check_vectors(conn: Connection, errors: dict) -> None:
    """Every sqlite-vec table must be readable (needs the extension loaded)."""
    from atocore.db.connection import sqlite_module

    vec_tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%USING vec0%'"
        )
    ]
    for name in vec_tables:
        try:
            conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        except sqlite_module().Error as exc:
            errors["db_vectors_unreadable"] = f"vector table {name}: {exc}"
            return


def _check_registry(path: Path, errors: dict) -> None:
    from pydantic import ValidationError

    from atocore.projects.registry import Registry, check_collisions

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        errors["registry_invalid_json"] = f"{REGISTRY_REL}: {exc}"
        return
    try:
        check_collisions(Registry.model_validate(data).projects)
    except (ValidationError, ConflictError) as exc:
        errors["registry_invalid"] = f"{REGISTRY_REL}: {str(exc).splitlines()[0]}"


def validate_backup(
    stamp: str,
    settings: Settings | None = None,
    *,
    dest: Path | None = None,
    record: bool = True,
) -> dict[str, Any]:
    """Check a snapshot; never raises for a bad snapshot, only for a missing one.

    Error codes: metadata_missing, metadata_invalid_json, db_missing,
    db_checksum_mismatch, db_open_failed, db_integrity_check_failed, db_vectors_unreadable,
    registry_missing, registry_invalid_json, registry_invalid,
    templates_missing. The result is also written to ``validation.json``
    in the snapshot (unless ``record`` is false or the dir is read-only).
    """
    path = snapshot_path(stamp, settings, dest)
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    metadata: dict = {}
    meta_file = path / METADATA_FILE
    if not meta_file.is_file():
        errors["metadata_missing"] = f"{METADATA_FILE} is missing"
    else:
        parsed = _read_json(meta_file)
        if parsed is None:
            errors["metadata_invalid_json"] = f"{METADATA_FILE} is not a JSON object"
        else:
            metadata = parsed
    db_info = _check_database(path / DB_REL, metadata.get("db") or {}, errors, warnings)
    registry_file = path / REGISTRY_REL
    if registry_file.is_file():
        _check_registry(registry_file, errors)
    elif metadata.get("registry"):
        errors["registry_missing"] = f"{REGISTRY_REL} is listed in the metadata but missing"
    missing = [rel for rel in metadata.get("templates") or [] if not (path / rel).is_dir()]
    missing += [rel for rel in metadata.get("template_files") or [] if not (path / rel).is_file()]
    if missing:
        errors["templates_missing"] = f"missing template files: {', '.join(missing[:10])}"
    result = {
        "stamp": path.name,
        "path": str(path),
        "valid": not errors,
        "errors": sorted(errors),
        "error_details": dict(sorted(errors.items())),
        "warnings": sorted(warnings),
        "warning_details": warnings,
        "db": db_info,
        "has_registry": registry_file.is_file(),
        # interrupted backups beside it (removed by the next backup or `backup cleanup`)
        "stale_partials": [p["name"] for p in partials(path.parent) if p["stale"]],
        "validated_at": _iso(_now()),
        "recorded": False,
    }
    if record:
        with contextlib.suppress(OSError):
            _write_json(
                path / VALIDATION_FILE, {k: v for k, v in result.items() if k != "recorded"}
            )
            result["recorded"] = True
    return result


# --- cleanup -----------------------------------------------------------------------


def cleanup_backups(
    settings: Settings | None = None, *, dest: Path | None = None, confirm: bool = False
) -> dict[str, Any]:
    """Retention cleanup (dry-run unless ``confirm``); see :mod:`atocore.ops.retention`."""
    return cleanup_snapshots(snapshots_root(settings, dest), confirm=confirm)
