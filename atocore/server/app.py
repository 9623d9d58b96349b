"""The FastAPI app factory: middleware, the error edge, connections, routers.

Routes are thin: validate the body with a pydantic model, call one
service over a pooled connection, return its result. Domain errors from
``atocore.errors`` become ``{"error": {...}}`` with the error's HTTP status
in one handler, so no route formats errors itself.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from atocore import __version__
from atocore.config import Settings, get_settings
from atocore.db.types import Connection
from atocore.env import read
from atocore.errors import AtocoreError
from atocore.server.security import (
    GuardMiddleware,
    allowed_hosts,
    api_token,
    check_bind,
    max_body_bytes,
)

log = logging.getLogger("atocore.server")

# Route groups: modules under atocore.server.routes, each with ``router``.
ROUTE_MODULES = [
    "operations",
    "health",
    "hooks",
    "engineering",
    "mirror",
]


class ConnectionPool:
    """Connections handed to one request at a time, reused afterwards."""

    def __init__(self, settings: Settings, size: int = 8) -> None:
        self.settings = settings
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue(maxsize=size)
        self._lock = threading.Lock()
        self._all: list[Connection] = []

    def _open(self) -> Connection:
        from atocore.db.connection import connect

        conn = connect(self.settings.db_path, busy_timeout_ms=self.settings.busy_timeout_ms)
        with self._lock:
            self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:  # a failed route must not leak an open transaction
                conn.execute("ROLLBACK")
            try:
                self._idle.put_nowait(conn)
            except queue.Full:
                with self._lock:
                    self._all.remove(conn)
                conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()


def get_conn(request: Request) -> Iterator[Connection]:
    """FastAPI dependency: a migrated connection for the duration of a request."""
    with request.app.state.pool.connection() as conn:
        yield conn


def changed(data: Any) -> Any:
    """Queue a debounced Mirror regeneration for the project a write touched."""
    from atocore.mirror.scheduler import notify_change

    project = data.get("project") if isinstance(data, dict) else None
    if project:
        notify_change(project)
    return data


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def _install_error_edge(app: FastAPI) -> None:
    @app.exception_handler(AtocoreError)
    async def domain_error(_: Request, exc: AtocoreError) -> JSONResponse:
        status = exc.http_status if exc.http_status >= 400 else 500
        return JSONResponse({"error": exc.to_dict()}, status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_input", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        code = codes.get(exc.status_code, "invalid_input" if exc.status_code < 500 else "failed")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "failed", f"unexpected {type(exc).__name__}: {exc}")


def _warm_embedder() -> None:
    """Load the embedding model once so the first query is not slow."""
    try:
        from atocore.embed import get_embedder

        get_embedder().embed_query("warm up")
    except Exception as exc:  # noqa: BLE001 - warming is best effort
        log.warning("embedding model not warmed: %s", exc)


def create_app(
    settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    warm: bool | None = None,
) -> FastAPI:
    """Build the app for ``settings`` (default: from the environment).

    Raises ``InvalidInput`` for a non-loopback ``host`` without
    ``ATOCORE_API_TOKEN``.
    """
    settings = settings or get_settings()
    if warm is None:
        warm = bool(read("ATOCORE_WARM_MODEL"))
    token = api_token()
    check_bind(host, token)
    from atocore.server.idle import IdleMiddleware, IdleWatchdog, idle_exit_seconds

    idle_s = idle_exit_seconds()
    watchdog = IdleWatchdog(idle_s) if idle_s else None  # a server a hook started

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from atocore.db import open_db
        from atocore.mirror.scheduler import DAILY_S, MirrorScheduler

        open_db(settings).close()  # migrate once, up front
        if warm:
            threading.Thread(target=_warm_embedder, name="warm-embedder", daemon=True).start()
        # debounced per-project Mirror regeneration (+ a daily refresh) while serving
        scheduler = MirrorScheduler(refresh_s=DAILY_S).start()
        if watchdog is not None:
            watchdog.start()
        try:
            yield
        finally:
            if watchdog is not None:
                watchdog.stop()
            scheduler.stop(timeout=5.0)
            app.state.pool.close()

    app = FastAPI(
        title="atocore",
        version=__version__,
        description="Local-first context engine: the CLI's services over HTTP.",
        lifespan=lifespan,
        docs_url=None,  # served from a package by install_docs: no CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.pool = ConnectionPool(settings)
    app.state.host = host
    app.add_middleware(
        GuardMiddleware,
        token=token,
        max_bytes=max_body_bytes(),
        hosts=allowed_hosts(host, settings.allowed_hosts),
    )
    _install_error_edge(app)
    for name in ROUTE_MODULES:
        app.include_router(importlib.import_module(f"atocore.server.routes.{name}").router)

    from atocore.server.docs import install_docs

    install_docs(app)
    if watchdog is not None:
        app.add_middleware(IdleMiddleware, watchdog=watchdog)
    return app
