"""``atocore serve``: the HTTP API (FastAPI + uvicorn, imported only here)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from atocore.cli.common import console, refuse_url


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def process_lock(name: str):
    """The ops helper's process lock (restore refuses while it is held)."""
    try:
        from atocore.ops.locks import hold_process_lock
    except ImportError:  # ops lock module not installed: run unlocked
        return contextlib.nullcontext()
    return hold_process_lock(name)


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Bind address; non-loopback needs ATOCORE_API_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8100,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (loopback by default; the embedding model stays warm)."""
    refuse_url("serve", "it serves this machine's data dir; run it on the server")
    import uvicorn

    from atocore.server.app import create_app

    fastapi_app = create_app(host=host)  # refuses a non-loopback bind without a token
    with process_lock("serve"):
        console(stderr=True).print(f"atocore serving on http://{host}:{port}  (docs: /docs)")
        uvicorn.run(fastapi_app, host=host, port=port, log_level=log_level, access_log=False)
