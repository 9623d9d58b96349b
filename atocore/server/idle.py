"""Stop the server after a quiet period (``ATOCORE_IDLE_EXIT_SECONDS``).

A server started by a hook (:mod:`atocore.hooks.autostart`) should not run
forever: after that many seconds with no request in flight and none
finished, it sends itself SIGTERM and uvicorn shuts down cleanly. Unset or
0 means never (``atocore serve`` run by hand or by a service unit).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from atocore.env import read


def idle_exit_seconds() -> float:
    """The idle period (atocore.env); 0 (never) when unset."""
    return float(read("ATOCORE_IDLE_EXIT_SECONDS") or 0)


def _terminate() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


class IdleWatchdog:
    """Counts requests in flight; calls ``on_idle`` once after ``seconds`` of quiet."""

    def __init__(self, seconds: float, on_idle: Callable[[], None] = _terminate) -> None:
        self.seconds = seconds
        self.on_idle = on_idle
        self._lock = threading.Lock()
        self._active = 0
        self._last = time.monotonic()
        self._stop = threading.Event()

    def begin(self) -> None:
        with self._lock:
            self._active += 1

    def end(self) -> None:
        with self._lock:
            self._active -= 1
            self._last = time.monotonic()

    def idle_for(self) -> float:
        with self._lock:
            return 0.0 if self._active else time.monotonic() - self._last

    def start(self) -> IdleWatchdog:
        threading.Thread(target=self._watch, name="idle-exit", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        step = min(max(self.seconds / 10, 0.05), 30.0)
        while not self._stop.wait(step):
            if self.idle_for() >= self.seconds:
                self.on_idle()
                return


class IdleMiddleware:
    """ASGI middleware feeding every HTTP request to the watchdog."""

    def __init__(self, app: Any, watchdog: IdleWatchdog) -> None:
        self.app = app
        self.watchdog = watchdog

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.watchdog.begin()
        try:
            await self.app(scope, receive, send)
        finally:
            self.watchdog.end()
