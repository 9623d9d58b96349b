"""``atocore watch``: keep the index in step with the vault as files change.

watchfiles (inotify/FSEvents through Rust) reports debounced batches of
changes under every existing registered root. Each batch is applied with
the ingest pipeline: added/modified files are (re-)ingested, deleted ones
forgotten; a directory event (a folder moved or removed) triggers a purge
re-scan of the owning project, which costs a stat per unchanged file.
Temp/swap files, hidden paths and the data dir are ignored. Roots are
re-checked periodically, so a root that vanishes (or appears later, or a
registry edit) does not stop the watcher.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atocore.db.types import Connection
from atocore.ingest.parse import SUPPORTED_SUFFIXES
from atocore.ingest.scan import IGNORED_DIRS

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

log = logging.getLogger("atocore.watch")

DEFAULT_DEBOUNCE_MS = 1000
DEFAULT_RESCAN_S = 30.0
_TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".temp", ".part", ".crdownload", ".bak")


@dataclass(frozen=True)
class WatchedRoot:
    root: Path
    project: str


@dataclass
class Batch:
    """What one batch of changes did."""

    changes: int = 0
    ingested: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rescanned: list[str] = field(default_factory=list)  # projects
    ignored: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: why" (pipes, bad text…)
    errors: list[str] = field(default_factory=list)
    projects: set[str] = field(default_factory=set)
    duration_ms: float = 0.0

    def summary(self) -> str:
        parts = [f"{self.changes} change(s)", f"{len(self.ingested)} ingested"]
        parts.append(f"{len(self.removed)} removed")
        if self.rescanned:
            parts.append(f"rescanned {', '.join(self.rescanned)}")
        if self.ignored:
            parts.append(f"{self.ignored} ignored")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s)")
        return ", ".join(parts) + f" in {self.duration_ms:.0f} ms"


def targets() -> list[WatchedRoot]:
    """Every registered project root (existing or not), deduplicated."""
    from atocore.projects.registry import registered_roots

    seen: dict[Path, WatchedRoot] = {}
    for root, project in registered_roots():
        seen.setdefault(root, WatchedRoot(root, project))
    return list(seen.values())


def is_ignored(path: str | Path, data_dir: Path | None = None) -> bool:
    """Temp/swap/backup files, hidden or vendored paths, the data dir."""
    path = Path(path)
    name = path.name
    if data_dir is not None:
        try:
            path.resolve().relative_to(data_dir.resolve())
            return True
        except ValueError:
            pass
    if any(part.startswith(".") or part in IGNORED_DIRS for part in path.parts[1:]):
        return True
    if name.endswith("~") or name.startswith(("~$", ".#", "#")) or name == "4913":
        return True
    suffix = path.suffix.lower()
    if suffix in _TEMP_SUFFIXES:
        return True
    # a name with an unsupported suffix is not a source; no suffix may be a directory
    return bool(suffix) and suffix not in SUPPORTED_SUFFIXES


def owner(path: Path, watched: Iterable[WatchedRoot]) -> WatchedRoot | None:
    """The deepest watched root containing ``path``."""
    best = None
    for target in watched:
        if path == target.root or target.root in path.parents:
            if best is None or len(target.root.parts) > len(best.root.parts):
                best = target
    return best


def apply_changes(
    conn: Connection,
    changes: Iterable[tuple[Any, str]],
    watched: list[WatchedRoot],
    *,
    data_dir: Path | None = None,
    embedder: Embedder | None = None,
) -> Batch:
    """Apply one batch of (change, path) pairs to the index."""
    from watchfiles import Change

    from atocore.ingest.pipeline import ingest_file, ingest_project, remove_file

    started = time.perf_counter()
    batch = Batch()
    latest: dict[Path, Any] = {}
    for change, raw in changes:
        batch.changes += 1
        path = Path(os.path.abspath(raw))
        if is_ignored(path, data_dir):
            batch.ignored += 1
            continue
        latest[path] = change  # the last event for a path wins
    rescan: set[str] = set()
    for path, change in sorted(latest.items()):
        target = owner(path, watched)
        if target is None:
            batch.ignored += 1
            continue
        try:
            if path.is_dir() or (change == Change.deleted and not path.suffix):
                rescan.add(target.project)  # a folder appeared, moved or vanished
            elif change == Change.deleted or not path.exists():
                if remove_file(conn, path):
                    batch.removed.append(str(path))
                    batch.projects.add(target.project)
            else:  # a file; a pipe, socket or device comes back skipped with its reason
                report = ingest_file(
                    conn, path, target.project, embedder=embedder, root=target.root
                )
                if report.added or report.updated:
                    batch.ingested.append(str(path))
                    batch.projects.add(target.project)
                batch.skipped.extend(f"{s.path}: {s.detail}" for s in report.skipped_files)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the watcher
            batch.errors.append(f"{path}: {exc}")
    for project in sorted(rescan):
        try:
            report = ingest_project(conn, project, purge_deleted=True, embedder=embedder)
            batch.rescanned.append(project)
            if report.added or report.updated or report.removed:
                batch.projects.add(project)
        except Exception as exc:  # noqa: BLE001
            batch.errors.append(f"rescan {project}: {exc}")
    batch.duration_ms = (time.perf_counter() - started) * 1000
    return batch


def _queue_mirror(projects: set[str]) -> None:
    """Queue a debounced Mirror regeneration for each changed project."""
    from atocore.mirror.scheduler import notify_change

    for project in sorted(projects):
        notify_change(project)


def run(
    *,
    stop_event: threading.Event | None = None,
    on_batch: Callable[[Batch], None] | None = None,
    on_roots: Callable[[list[WatchedRoot], list[WatchedRoot]], None] | None = None,
    debounce_ms: int = DEFAULT_DEBOUNCE_MS,
    rescan_s: float = DEFAULT_RESCAN_S,
) -> None:
    """Watch until ``stop_event`` is set (or Ctrl-C).

    ``on_roots(watched, missing)`` is called whenever the set of watched
    roots changes; ``on_batch(batch)`` after every applied batch.
    """
    import watchfiles

    from atocore.config import get_settings
    from atocore.db import open_db
    from atocore.mirror.scheduler import MirrorScheduler

    stop_event = stop_event or threading.Event()
    data_dir = get_settings().data_dir
    conn = open_db()
    scheduler = MirrorScheduler().start()
    try:
        while not stop_event.is_set():
            all_targets = targets()
            watched = [t for t in all_targets if t.root.is_dir()]
            missing = [t for t in all_targets if not t.root.is_dir()]
            if on_roots:
                on_roots(watched, missing)
            if not watched:
                stop_event.wait(rescan_s)
                continue
            signature = [(t.root, t.project) for t in all_targets]

            def keep(change: Any, path: str) -> bool:
                return not is_ignored(path, data_dir)

            try:
                for changes in watchfiles.watch(
                    *[t.root for t in watched],
                    watch_filter=keep,
                    debounce=debounce_ms,
                    step=50,
                    stop_event=stop_event,
                    rust_timeout=int(rescan_s * 1000),
                    yield_on_timeout=True,
                    raise_interrupt=True,
                    ignore_permission_denied=True,
                ):
                    if changes:
                        batch = apply_changes(conn, changes, watched, data_dir=data_dir)
                        _queue_mirror(batch.projects)
                        if on_batch:
                            on_batch(batch)
                    current = targets()
                    if (
                        [(t.root, t.project) for t in current] != signature
                        or any(not t.root.is_dir() for t in watched)
                        or any(t.root.is_dir() for t in current if t not in watched)
                    ):
                        break  # roots changed: restart the watcher on the new set
            except (OSError, RuntimeError) as exc:  # a root vanished under the watcher
                log.warning("watcher restarting: %s", exc)
                stop_event.wait(1.0)
    finally:
        scheduler.stop(timeout=5.0)
        conn.close()
