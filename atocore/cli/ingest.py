"""``atocore ingest``, ``atocore reindex`` and ``atocore projects refresh``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import (
    JsonOpt,
    console,
    emit,
    operations,
    state,
    success,
    table,
    to_jsonable,
    warn,
)

PurgeOpt = Annotated[
    bool,
    typer.Option(
        "--purge-deleted",
        help="Remove files that vanished from the scanned roots (kept by default).",
    ),
]


def register(app: typer.Typer) -> None:
    from atocore.cli.projects import projects_app

    app.command("ingest")(ingest)
    app.command("reindex")(reindex)
    app.command("sources")(sources)
    app.command("stats")(stats)
    projects_app.command("refresh")(refresh)


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[None]:
    """A rich progress bar on stderr for the local operations run inside, over
    chunks embedded (the slow part) with an ETA (hidden with --json or when not
    a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from atocore.api.progress import progress_to

    err = console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[label]}"),
        console=err,
        transient=True,
        disable=state.json or not err.is_terminal,
    )
    with bar:
        task = bar.add_task(description, total=None, label="")

        def update(done: int, total: int, label: str = "") -> None:
            bar.update(task, completed=done, total=total, label=label[-50:])

        with progress_to(update):
            yield


def _render_report(r: dict[str, Any]) -> None:
    out = console()
    vec = r["vectors"]
    if not vec["available"]:
        out.print(
            f"[bold red]VECTOR SIDE UNAVAILABLE[/bold red] — {vec['reason']}; "
            "chunks stored for keyword search only"
        )
    if r["missing_roots"]:
        for root in r["missing_roots"]:
            warn(f"source root not found (skipped, nothing purged): {root}")
    success(
        f"{r['files_seen']} files: {r['added']} added, {r['updated']} updated, "
        f"{r['unchanged']} unchanged, {r['skipped']} skipped"
        + (f", {r['removed']} removed" if r["removed"] else "")
        + (f", {r['missing']} missing" if r["missing"] else "")
        + f" — {r['chunks_added']} chunks indexed, {r['vectors_added']} embedded "
        f"in {r['duration_ms'] / 1000:.1f}s"
    )
    if r["skipped_files"]:
        table(
            "Skipped files",
            ["file", "reason", "detail"],
            [[s["path"], s["reason"], s["detail"]] for s in r["skipped_files"]],
        )
    for message in r["warnings"]:
        if message.startswith("VECTOR SIDE UNAVAILABLE") or message.startswith("source root"):
            continue
        warn(message)


def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories (default: every registered project's roots)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-p",
            help="Assign the files to this project (default: the project whose root holds them).",
        ),
    ] = None,
    purge_deleted: PurgeOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Ingest markdown and text files (incremental: unchanged files are skipped)."""
    with operations() as ops, progress_bar("ingest"):
        if paths:
            report = ops.ingest_paths(paths, project=project, purge_deleted=purge_deleted)
        elif project:
            report = ops.refresh_project(project, purge_deleted=purge_deleted)
        else:
            report = ops.ingest_sources(purge_deleted=purge_deleted)
    emit(to_jsonable(report), state.json, _render_report)


def refresh(
    name: Annotated[str, typer.Argument(help="Project id or alias.")],
    purge_deleted: PurgeOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Re-ingest a registered project's roots."""
    with operations() as ops, progress_bar(f"refresh {name}"):
        report = ops.refresh_project(name, purge_deleted=purge_deleted)
    emit(to_jsonable(report), state.json, _render_report)


def reindex(json_output: JsonOpt = False) -> None:
    """Re-embed every chunk with the configured embedding model (after a model change)."""
    with operations() as ops, progress_bar("reindex"):
        report = ops.reindex()

    def render(r: dict[str, Any]) -> None:
        previous = r["previous_model"] or "none"
        success(
            f"re-embedded {r['chunks']} chunks of {r['documents']} files with {r['model']} "
            f"({r['dim']} dims; was {previous}) in {r['duration_ms'] / 1000:.1f}s"
        )

    emit(to_jsonable(report), state.json, render)


def sources(json_output: JsonOpt = False) -> None:
    """List registered ingest roots: path, whether it exists, what is ingested from it."""
    with operations() as ops:
        rows = ops.list_sources()
    table_rows = [
        [
            r["project"],
            r["path"],
            "yes" if r["exists"] else "[red]MISSING[/red]",
            r["documents"],
            r["chunks"],
            r["last_ingested"] or "-",
        ]
        for r in rows
    ]
    emit(
        rows,
        state.json,
        lambda _: table(
            "Sources",
            ["project", "path", "exists", "files", "chunks", "last ingested"],
            table_rows,
            empty="no ingest roots registered — see `atocore projects register --root`",
        ),
    )


def stats(json_output: JsonOpt = False) -> None:
    """Counts of ingested files, chunks and vectors, per project, and the embedding model."""
    with operations() as ops:
        data = ops.index_stats()

    def render(d: dict[str, Any]) -> None:
        out = console()
        vectors = "unreadable" if d["vectors"] is None else d["vectors"]
        out.print(f"files {d['documents']}   chunks {d['chunks']}   vectors {vectors}")
        model = d["embed_model"] or "none yet"
        out.print(f"embedding model {model} ({d['embed_dim'] or '?'} dims)")
        if d["embed_model"] and d["embed_model"] != d["configured_model"]:
            warn(f"configured model is {d['configured_model']} — run `atocore reindex`")
        elif d["unembedded_documents"]:
            warn(f"{d['unembedded_documents']} files have no vectors — run `atocore ingest`")
        table(
            "Per project",
            ["project", "files", "chunks"],
            [[p["project"] or "(none)", p["documents"], p["chunks"]] for p in d["projects"]],
            empty="nothing ingested yet",
        )

    emit(data, state.json, render)
