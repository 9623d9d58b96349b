"""Pid/lock files for long-running processes of one data dir.

``atocore serve`` and ``atocore watch`` wrap themselves in
:func:`hold_process_lock`; ``atocore backup restore`` asks
:func:`running_processes` whether any of them is alive and refuses if so.

A lock is a file ``<data>/run/<name>.pid`` holding a small JSON record
(pid, name, start time, host). The owning process keeps the file open with
an exclusive ``flock`` for its whole life, so liveness is "can somebody
else take the lock?" rather than "is that pid number in use?" — a pid file
left behind by a crash (or a recycled pid) is therefore never mistaken for
a live process. On platforms without ``fcntl`` we fall back to checking
the recorded pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atocore.config import Settings, get_settings
from atocore.errors import ConflictError, InvalidInput, OperationFailed, storage_failure

try:  # pragma: no cover - always present on Linux/macOS
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
SUFFIX = ".pid"
# While a restore runs, no serve/watch may start on the same data dir.
RESTORE_LOCK = "restore"


@dataclass(frozen=True)
class ProcessInfo:
    """A live process holding a lock on this data dir."""

    name: str
    pid: int
    started_at: str
    host: str
    path: str


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidInput(f"invalid process lock name {name!r}")
    return name


def _lock_path(settings: Settings, name: str) -> Path:
    return settings.run_dir / f"{_check_name(name)}{SUFFIX}"


def _try_flock(fd: int) -> bool:
    """Take an exclusive non-blocking lock on ``fd``; False when held elsewhere."""
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover
        return False
    return True


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_live(path: Path) -> bool:
    """Whether some process holds the lock on ``path`` right now."""
    if fcntl is None:  # pragma: no cover - Windows fallback: trust the pid
        return _pid_alive(int(_read_record(path).get("pid") or 0))
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if _try_flock(fd):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        return True
    finally:
        os.close(fd)


def _lock_failure(exc: OSError, name: str, path: Path) -> Exception:
    return storage_failure(exc, f"cannot take the {name} lock ({path})") or OperationFailed(
        f"cannot take the {name} lock ({path}): {exc.strerror or exc}"
    )


def is_locked(path: Path) -> bool:
    """Whether a live process holds :func:`lock_path` (or a process lock) on ``path``."""
    return _is_live(path)


@contextlib.contextmanager
def lock_path(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (a file or a folder) for the block;
    other processes see it with :func:`is_locked`, and it ends with this one."""
    fd = os.open(path, os.O_RDONLY)
    try:
        _try_flock(fd)
        yield
    finally:
        os.close(fd)


def _info(path: Path) -> ProcessInfo:
    record = _read_record(path)
    return ProcessInfo(
        name=path.name[: -len(SUFFIX)],
        pid=int(record.get("pid") or 0),
        started_at=str(record.get("started_at") or ""),
        host=str(record.get("host") or ""),
        path=str(path),
    )


def running_processes(settings: Settings | None = None) -> list[ProcessInfo]:
    """Live serve/watch/... processes of this data dir (stale pid files ignored)."""
    settings = settings or get_settings()
    if not settings.run_dir.is_dir():
        return []
    live = []
    for path in sorted(settings.run_dir.glob(f"*{SUFFIX}")):
        if _is_live(path):
            live.append(_info(path))
    return live


def _describe(info: ProcessInfo) -> str:
    where = f" on {info.host}" if info.host else ""
    return f"atocore {info.name} (pid {info.pid}{where}, since {info.started_at or '?'})"


@contextlib.contextmanager
def hold_process_lock(name: str, settings: Settings | None = None) -> Iterator[ProcessInfo]:
    """Hold ``<data>/run/<name>.pid`` for the duration of the block.

    Raises :class:`ConflictError` when another live process already holds
    the same lock, or when a restore is running on this data dir. A stale
    file (its owner died) is simply taken over. The file is removed on exit.
    """
    settings = settings or get_settings()
    path = _lock_path(settings, name)
    try:
        settings.run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failure = storage_failure(exc, f"cannot take the {name} lock in {settings.run_dir}")
        raise failure or InvalidInput(
            f"cannot create {settings.run_dir}: {exc.strerror or exc}"
        ) from exc
    if name != RESTORE_LOCK:
        restore = _lock_path(settings, RESTORE_LOCK)
        if restore.exists() and _is_live(restore):
            raise ConflictError(
                f"a restore is running on this data dir ({_describe(_info(restore))}); "
                f"start atocore {name} after it finishes"
            )
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _lock_failure(exc, name, path) from exc
        if not _try_flock(fd):
            os.close(fd)
            info = _info(path)
            raise ConflictError(
                f"{_describe(info)} is already running for {settings.data_dir}",
                details={"process": asdict(info)},
            )
        # The previous owner may have unlinked the file between our open and
        # our flock; then we hold a lock on an orphan inode. Retry.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    info = ProcessInfo(
        name=name,
        pid=os.getpid(),
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        host=socket.gethostname(),
        path=str(path),
    )
    record = {k: v for k, v in asdict(info).items() if k != "path"}
    try:
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(record) + "\n").encode("utf-8"))
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        raise _lock_failure(exc, name, path) from exc
    try:
        yield info
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)
