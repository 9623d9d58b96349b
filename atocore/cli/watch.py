"""``atocore watch``: re-ingest vault files as they change."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import console, refuse_url


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)


def watch(
    debounce_ms: Annotated[
        int, typer.Option("--debounce-ms", min=50, help="Wait this long for changes to settle.")
    ] = 1000,
    rescan_s: Annotated[
        float,
        typer.Option("--rescan-s", min=1.0, help="How often to re-check roots and the registry."),
    ] = 30.0,
) -> None:
    """Watch every registered root; re-ingest changed files, forget deleted ones (Ctrl-C stops)."""
    refuse_url("watch", "it watches roots on this machine; run it where the server runs")
    import threading
    from datetime import datetime

    from atocore.cli.serve import process_lock
    from atocore.ingest.watch import Batch, WatchedRoot, run

    err = console(stderr=True)
    last_roots: list[tuple] = []

    def stamp() -> str:
        return datetime.now().strftime("%H:%M:%S")

    def on_roots(watched: list[WatchedRoot], missing: list[WatchedRoot]) -> None:
        key = [(t.root, True) for t in watched] + [(t.root, False) for t in missing]
        if key == last_roots:
            return
        last_roots[:] = key
        for t in watched:
            err.print(f"{stamp()} watching {t.root} ({t.project})")
        for t in missing:
            err.print(
                f"{stamp()} [yellow]root missing, will retry:[/yellow] {t.root} ({t.project})"
            )
        if not watched and not missing:
            err.print(f"{stamp()} no registered roots yet; waiting for the registry")

    def on_batch(batch: Batch) -> None:
        err.print(f"{stamp()} {batch.summary()}")
        for error in batch.errors:
            err.print(f"  [red]error:[/red] {error}")

    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # service stop: finish cleanly
    with process_lock("watch"):
        try:
            run(
                stop_event=stop,
                on_batch=on_batch,
                on_roots=on_roots,
                debounce_ms=debounce_ms,
                rescan_s=rescan_s,
            )
        except KeyboardInterrupt:
            stop.set()
        err.print("watch stopped")
