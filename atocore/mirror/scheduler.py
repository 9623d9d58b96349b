"""Debounced, per-project Mirror regeneration for long-running processes.

``atocore serve`` and ``atocore watch`` start one :class:`MirrorScheduler`.
Entity status changes call :func:`notify_change` (a no-op when no scheduler
runs, e.g. in a one-shot CLI command); the scheduler remembers, per project,
the earliest time it should regenerate (first request + debounce window), so
a burst of writes inside the window gives one render. A background thread
renders due projects; an optional long-period refresh re-renders every known
project (the in-process equivalent of the daily ``atocore mirror render
--all`` cron entry). Failures are logged at warning level and recorded in
``mirror_regeneration_failures`` by the renderer; the thread keeps going.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_S = 30.0
DAILY_S = 24 * 3600.0

_current: MirrorScheduler | None = None
_current_lock = threading.Lock()


def _default_render(project: str, trigger: str) -> Any:
    from atocore.db import open_db
    from atocore.mirror.renderer import render_project

    conn = open_db()
    try:
        return render_project(conn, project, trigger=trigger)
    finally:
        conn.close()


def _default_projects() -> list[str]:
    from atocore.db import open_db
    from atocore.mirror.renderer import known_projects

    conn = open_db()
    try:
        return known_projects(conn)
    finally:
        conn.close()


class MirrorScheduler:
    """Per-project debounce queue plus a background flush thread.

    ``render(project, trigger)`` and ``clock()`` are injectable so tests can
    drive :meth:`flush` deterministically without sleeping.
    """

    def __init__(
        self,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
        *,
        refresh_s: float | None = None,
        render: Callable[[str, str], Any] | None = None,
        projects: Callable[[], list[str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if debounce_s < 0:
            raise ValueError("debounce_s must be >= 0")
        self.debounce_s = debounce_s
        self.refresh_s = refresh_s
        self._render = render or _default_render
        self._projects = projects or _default_projects
        self._clock = clock
        self._due: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_refresh = clock() + refresh_s if refresh_s else None
        self.renders = 0
        self.failures = 0

    # --- the queue --------------------------------------------------------------------

    def request(self, project: str) -> None:
        """Queue ``project`` for regeneration; repeats inside the window coalesce."""
        from atocore.projects.registry import resolve_project_name

        name = resolve_project_name(project)
        if not name:
            return
        with self._lock:
            self._due.setdefault(name, self._clock() + self.debounce_s)
        self._wake.set()

    def pending(self) -> dict[str, float]:
        """Project → seconds until it is due (negative when overdue)."""
        now = self._clock()
        with self._lock:
            return {p: t - now for p, t in sorted(self._due.items())}

    def _take_due(self, everything: bool) -> list[str]:
        now = self._clock()
        with self._lock:
            due = sorted(p for p, t in self._due.items() if everything or t <= now)
            for project in due:
                del self._due[project]
        return due

    def flush(self, *, everything: bool = False) -> list[str]:
        """Render the projects that are due (all queued ones with ``everything``)."""
        done = []
        due = self._take_due(everything)
        if self._next_refresh is not None and self._clock() >= self._next_refresh:
            self._next_refresh = self._clock() + (self.refresh_s or DAILY_S)
            try:
                due = sorted(set(due) | set(self._projects()))
            except Exception as exc:  # noqa: BLE001 - keep the thread alive
                log.warning("mirror refresh could not list projects: %s", exc)
        trigger = "scheduled"
        for project in due:
            try:
                self._render(project, trigger)
                self.renders += 1
                done.append(project)
            except Exception as exc:  # noqa: BLE001 - logged, recorded by the renderer
                self.failures += 1
                log.warning("mirror regeneration of %s failed: %s", project, exc)
        return done

    def _wait_s(self) -> float:
        now = self._clock()
        with self._lock:
            times = list(self._due.values())
        if self._next_refresh is not None:
            times.append(self._next_refresh)
        if not times:
            return 60.0
        return min(60.0, max(0.05, min(times) - now))

    # --- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._wait_s())
            self._wake.clear()
            if self._stop.is_set():
                break
            self.flush()

    def start(self) -> MirrorScheduler:
        """Start the background thread and make this the process-wide scheduler."""
        global _current
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mirror-scheduler", daemon=True)
            self._thread.start()
        with _current_lock:
            _current = self
        return self

    def stop(self, *, flush: bool = True, timeout: float = 10.0) -> None:
        """Stop the thread; by default render whatever is still queued first."""
        global _current
        with _current_lock:
            if _current is self:
                _current = None
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if flush:
            self.flush(everything=True)

    def __enter__(self) -> MirrorScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def current() -> MirrorScheduler | None:
    return _current


def notify_change(project: str) -> None:
    """Hook for entity writes: queue a regeneration if a scheduler is running.

    Never raises: a Mirror problem must not fail the write that triggered it.
    """
    scheduler = _current
    if scheduler is None or not project:
        return
    try:
        scheduler.request(project)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not queue mirror regeneration for %s: %s", project, exc)
