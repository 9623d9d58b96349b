"""Opening connections: driver choice, sqlite-vec, WAL, busy timeout.

Some Python builds ship a stdlib ``sqlite3`` that cannot load extensions
(this project's CI Python is one). We use the stdlib module when it can
load extensions and fall back to the ``sqlean`` drop-in otherwise; the
choice is made here and nowhere else.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

from atocore.db.types import Connection
from atocore.errors import InvalidInput, OperationFailed, storage_failure


def can_load_extensions(module: ModuleType) -> bool:
    """True when ``module``'s connections expose ``enable_load_extension``."""
    return hasattr(getattr(module, "Connection", None), "enable_load_extension")


def choose_sqlite_module(candidates: Sequence[ModuleType]) -> ModuleType:
    """First candidate able to load extensions; else the first one."""
    for module in candidates:
        if can_load_extensions(module):
            return module
    return candidates[0]


@functools.cache
def sqlite_module() -> ModuleType:
    """The DB-API module every connection in atocore is made with."""
    import sqlite3

    candidates: list[ModuleType] = [sqlite3]
    if not can_load_extensions(sqlite3):
        try:
            import sqlean  # type: ignore[import-untyped]

            candidates = [sqlean, sqlite3]
        except ImportError:  # pragma: no cover - sqlean is a hard dependency
            pass
    return choose_sqlite_module(candidates)


@functools.cache
def vec_extension_path() -> str | None:
    """Path of the bundled ``vec0`` library, found without importing ``sqlite_vec``.

    Importing the package imports numpy just to define a helper we never
    use; every command that opens the database would pay it (docs/benchmarks.md,
    "CLI latency").
    """
    import importlib.util

    spec = importlib.util.find_spec("sqlite_vec")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "vec0"
        if any(candidate.with_suffix(s).exists() for s in (".so", ".dylib", ".dll")):
            return str(candidate)
    return None


def _load_vec(conn: Connection) -> bool:
    try:
        path = vec_extension_path()
        if path is None:
            return False
        conn.enable_load_extension(True)
        conn.load_extension(path)
        conn.enable_load_extension(False)
        return True
    except Exception:  # noqa: BLE001 - any failure means "vector side unavailable"
        return False


def vec_available(conn: Connection) -> bool:
    """Whether sqlite-vec is loaded on ``conn``."""
    try:
        conn.execute("SELECT vec_version()").fetchone()
        return True
    except Exception:  # noqa: BLE001
        return False


def connect(
    path: Path, *, busy_timeout_ms: int = 5000, create: bool = True, readonly: bool = False
) -> Connection:
    """Open ``path`` with sqlite-vec loaded, WAL, busy timeout, foreign keys.

    Connections are in autocommit mode; use :func:`transaction` for writes
    that must land together. ``readonly`` opens an existing file without
    changing it (no journal-mode switch): used to inspect backup snapshots.
    """
    sqlite = sqlite_module()
    path = Path(path)
    if (readonly or not create) and not path.exists():
        raise InvalidInput(f"database not found: {path} (run `atocore init`)")
    try:
        if readonly or not create:
            # mode=rw: a file that vanished since the check is an error, not a new database
            uri = f"{path.absolute().as_uri()}?mode={'ro' if readonly else 'rw'}"
            conn = sqlite.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite.connect(str(path), isolation_level=None, check_same_thread=False)
    except (OSError, sqlite.Error) as exc:
        if readonly:  # a read-only place is expected here: not the reason
            raise InvalidInput(f"cannot open database at {path}: {exc}") from exc
        raise _open_failure(path, exc, "cannot open database") from exc
    conn.row_factory = sqlite.Row
    _load_vec(conn)
    if readonly:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        return conn
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite.Error as exc:
        conn.close()
        raise _open_failure(path, exc, "cannot use database") from exc
    return conn


def _open_failure(path: Path, exc: BaseException, what: str) -> Exception:
    """Why ``path`` could not be opened, saying so when the place is read-only
    (SQLite only says "unable to open database file": WAL must write beside it)."""
    where = path if path.exists() else path.parent
    if where.exists() and not (
        os.access(where, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
    ):
        return OperationFailed(
            f"read-only: {what} at {path} (atocore writes to its data dir; "
            "make it writable, or point ATOCORE_DATA_DIR elsewhere)"
        )
    if _out_of_space(path.parent):
        return OperationFailed(f"disk full: {what} at {path} (free some space and retry)")
    return storage_failure(exc, f"{what} at {path}") or InvalidInput(f"{what} at {path}: {exc}")


def _out_of_space(folder: Path) -> bool:
    """Whether ``folder``'s filesystem is (nearly) full: SQLite reports a failed
    WAL or shared-memory write there as a plain "disk I/O error"."""
    try:
        vfs = os.statvfs(folder)
    except OSError:
        return False
    return vfs.f_bavail * vfs.f_frsize < 64 * 1024


def _db_folder(conn: Connection) -> Path | None:
    try:
        row = conn.execute("PRAGMA database_list").fetchone()
    except Exception:  # noqa: BLE001 - only used to word an error
        return None
    return Path(row[2]).parent if row and row[2] else None


@contextlib.contextmanager
def transaction(conn: Connection, *, immediate: bool = True) -> Iterator[Connection]:
    """All-or-nothing block. Nested use joins the outer transaction.

    A full or read-only disk comes out as a clear :class:`OperationFailed`;
    SQLite may already have rolled back by itself (disk full does), so the
    rollback here never replaces the error that caused it.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except Exception as exc:
        _rollback(conn)
        failure = _write_failure(conn, exc)
        if failure is not None:
            raise failure from exc
        raise
    except BaseException:
        _rollback(conn)
        raise
    else:
        try:
            conn.execute("COMMIT")
        except Exception as exc:
            _rollback(conn)
            failure = _write_failure(conn, exc)
            raise failure or OperationFailed(f"commit failed: {exc}") from exc


def _write_failure(conn: Connection, exc: Exception) -> Exception | None:
    failure = storage_failure(exc)
    if failure is None and "disk I/O error" in str(exc):
        folder = _db_folder(conn)
        if folder is not None and _out_of_space(folder):
            failure = storage_failure(OSError(errno.ENOSPC, "no space"))
    return failure


def _rollback(conn: Connection) -> None:
    if not conn.in_transaction:
        return
    with contextlib.suppress(Exception):  # the caller re-raises the error that matters
        conn.execute("ROLLBACK")
