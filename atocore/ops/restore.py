"""Restore a snapshot as the live database, registry and template overrides.

Refuses (nothing written) without explicit confirmation that serve/watch are
stopped, while any atocore process of the data dir holds a lock (serve,
watch, a running ``backup create``), and for a snapshot that does not
validate. Takes a pre-restore safety snapshot first, removes stale WAL/SHM
sidecars, swaps the database in atomically and runs ``integrity_check`` on
the result. See docs/operations.md for the procedure and the drill.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from atocore.config import Settings, get_settings
from atocore.errors import ConflictError, InvalidInput, OperationFailed
from atocore.ops.backup import (
    DB_REL,
    REGISTRY_REL,
    TEMPLATE_TREES,
    Progress,
    _fsync_file,
    check_stamp,
    create_backup,
    snapshot_path,
    validate_backup,
)

SIDECARS = ("-wal", "-shm", "-journal")


def _replace_file(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` atomically (temp file + rename, fsynced)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, tmp)
    _fsync_file(tmp)
    os.replace(tmp, target)


def _remove_sidecars(db_path: Path) -> list[dict[str, Any]]:
    removed = []
    for suffix in SIDECARS:
        sidecar = db_path.with_name(db_path.name + suffix)
        if sidecar.exists():
            size = sidecar.stat().st_size
            sidecar.unlink()
            removed.append({"path": str(sidecar), "bytes": size})
    return removed


def _restore_tree(source: Path, target: Path) -> None:
    """Replace the contents of ``target`` (kept itself: it may be a mount point)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in target.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()
    shutil.copytree(source, target, dirs_exist_ok=True)


def _integrity(db_path: Path) -> tuple[bool, str | None, int | None]:
    from atocore.db.connection import connect, sqlite_module

    try:
        conn = connect(db_path, readonly=True)
    except InvalidInput as exc:
        return False, exc.message, None
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        version = None
        with contextlib.suppress(sqlite_module().Error):
            version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        return rows == ["ok"], None if rows == ["ok"] else "; ".join(rows[:5]), version
    except sqlite_module().Error as exc:
        return False, f"{type(exc).__name__}: {exc}", None
    finally:
        conn.close()


def restore_backup(
    stamp: str,
    settings: Settings | None = None,
    *,
    dest: Path | None = None,
    confirm_stopped: bool = False,
    pre_snapshot: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Put a snapshot back as the live database, registry and template overrides.

    Refuses (nothing written) without ``confirm_stopped``, while a serve or
    watch process of this data dir is alive, and for an invalid snapshot.
    Takes a pre-restore safety snapshot of the current state first (into the
    data dir's own snapshot root) unless ``pre_snapshot`` is false.
    """
    from atocore.ops.locks import RESTORE_LOCK, hold_process_lock

    settings = settings or get_settings()
    stamp = check_stamp(stamp)
    if not confirm_stopped:
        raise InvalidInput(
            "restore replaces the live database: stop `atocore serve` and `atocore watch` "
            "for this data dir, then pass --confirm-stopped"
        )
    path = snapshot_path(stamp, settings, dest)
    _refuse_if_running(settings)
    with hold_process_lock(RESTORE_LOCK, settings):
        _refuse_if_running(settings)  # again: one may have started before the lock was taken
        _check_snapshot(stamp, settings, dest)
        pre_stamp, pre_valid = None, None
        if pre_snapshot and settings.db_path.exists():
            pre_stamp, pre_valid = _pre_restore_snapshot(settings, progress)
        copied = _copy_in(path, stamp, settings, pre_stamp, progress)
        ok, error, version = _integrity(settings.db_path)
    result = {
        "stamp": stamp,
        "source": str(path),
        "pre_restore_snapshot": pre_stamp,
        "pre_restore_snapshot_valid": pre_valid,
        "target_db": str(settings.db_path),
        "db_restored": True,
        **copied,
        "restored_integrity_ok": ok,
        "restored_schema_version": version,
    }
    if error:
        result["integrity_error"] = error
    return result


def _refuse_if_running(settings: Settings) -> None:
    from atocore.ops.locks import RESTORE_LOCK, running_processes

    live = [p for p in running_processes(settings) if p.name != RESTORE_LOCK]
    if live:
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in live)
        raise ConflictError(
            f"refusing to restore while atocore processes use this data dir: {names}; "
            "stop them first",
            details={"running": [p.__dict__ for p in live]},
        )


def _check_snapshot(stamp: str, settings: Settings, dest: Path | None) -> None:
    """Refuse a snapshot that does not validate or that a newer atocore wrote."""
    validation = validate_backup(stamp, settings, dest=dest)
    if not validation["valid"]:
        raise InvalidInput(
            f"snapshot {stamp} is not valid ({', '.join(validation['errors'])}); "
            "refusing to restore it",
            details={"validation": validation},
        )
    if "db_schema_newer_than_code" in validation["warnings"]:
        raise InvalidInput(
            f"snapshot {stamp} was made by a newer atocore "
            f"({validation['warning_details']['db_schema_newer_than_code']}); "
            "upgrade atocore before restoring it",
            details={"validation": validation},
        )


def _pre_restore_snapshot(settings: Settings, progress: Progress | None) -> tuple[str, bool]:
    """(stamp, validated) of the safety snapshot of what is about to be replaced."""
    try:
        pre = create_backup(settings, kind="pre-restore", progress=progress, lock=False)
    except InvalidInput as exc:
        raise OperationFailed(
            f"could not take the pre-restore safety snapshot ({exc.message}); "
            "nothing was restored. Use --no-pre-snapshot to restore anyway."
        ) from exc
    return pre["stamp"], pre["validated"]


def _copy_in(
    path: Path, stamp: str, settings: Settings, pre_stamp: str | None, progress: Progress | None
) -> dict[str, Any]:
    """Swap the snapshot's database, registry and template trees in; the report's fields."""
    try:
        sidecars = _remove_sidecars(settings.db_path)
        if progress:
            progress("restore", 0, 1)
        _replace_file(path / DB_REL, settings.db_path)
        sidecars += _remove_sidecars(settings.db_path)
        registry_restored = False
        if (path / REGISTRY_REL).is_file():
            _replace_file(path / REGISTRY_REL, settings.registry_path)
            registry_restored = True
        templates = []
        for rel in TEMPLATE_TREES:
            if (path / rel).is_dir():
                _restore_tree(path / rel, settings.data_dir / rel)
                templates.append(rel)
        if progress:
            progress("restore", 1, 1)
    except OSError as exc:
        raise OperationFailed(
            f"restore of {stamp} failed midway: {exc.strerror or exc}; "
            f"roll back with the pre-restore snapshot {pre_stamp or '(none taken)'}"
        ) from exc
    return {
        "registry_restored": registry_restored,
        "templates_restored": templates,
        "sidecars_removed": sidecars,
    }
