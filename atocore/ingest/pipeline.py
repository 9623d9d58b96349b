"""The incremental ingest pipeline: scan → parse → chunk → embed → store.

* Unchanged files (same size, mtime, chunking options, project and
  embedding model) are skipped without being read; a touched file whose
  content hash did not change only gets its stat refreshed.
* A changed file's document row, chunks, FTS entries and vectors are
  replaced in one transaction, so a failure leaves the old version whole.
* Files that vanished from a scanned root are purged only when asked
  (``purge_deleted``); a root that does not exist is reported, never purged.
* Binary, non-UTF-8, empty and huge files are skipped and counted.
* Sources are only ever read.

If the vector side is unavailable (sqlite-vec not loadable, model cannot be
loaded) chunks are still stored and searchable by keyword, the report says
so loudly, and the next ingest embeds them once vectors work again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from pydantic import BaseModel, Field

from atocore.db import transaction
from atocore.db.connection import vec_available
from atocore.db.types import Connection
from atocore.errors import ConflictError, InvalidInput
from atocore.ingest.chunker import ChunkOptions, chunk_document
from atocore.ingest.links import VAULT_VERSION
from atocore.ingest.parse import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    SkipFile,
    parse_document,
    read_source,
)
from atocore.ingest.scan import normalize, printable, scan_root, valid_name
from atocore.ingest.store import (
    PendingFile,
    Target,
    delete_document,
    document_id,
    documents_shown_under,
    load_existing,
    refresh_graph,
    same_chunks,
    store_document,
    touch_document,
)
from atocore.projects.known import require_known_project
from atocore.projects.registry import (
    project_roots,
    registered_roots,
    require_project,
    resolve_project_name,
)
from atocore.text import content_hash

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from atocore.embed.types import Embedder

# progress(chunks_done, chunks_expected, what): the total is an estimate until all files are read
Progress = Callable[[int, int, str], None]


class RunOptions(TypedDict, total=False):
    """How a run goes, whichever roots it covers (defaults in :func:`_ingest_roots`)."""

    purge_deleted: bool
    progress: Progress | None
    embedder: Embedder | None
    options: ChunkOptions | None
    max_bytes: int


# Chunks embedded together across files: one length-sorted run, so bigger groups pad less
# (see bench/ingest.py); files are still stored one transaction each.
EMBED_GROUP_CHUNKS = 1024


class SkippedFile(BaseModel):
    path: str
    reason: str  # binary | invalid_utf8 | empty | too_large | unreadable | unsupported | bad_name
    detail: str = ""


class VectorStatus(BaseModel):
    available: bool
    reason: str = ""


class IngestReport(BaseModel):
    roots: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)
    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    missing: int = 0  # vanished from a root, kept (no --purge-deleted)
    removed: int = 0  # purged
    chunks_added: int = 0
    chunks_removed: int = 0
    vectors_added: int = 0
    embed_model: str | None = None
    vectors: VectorStatus = Field(default_factory=lambda: VectorStatus(available=True))
    skipped_files: list[SkippedFile] = Field(default_factory=list)
    missing_roots: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    duration_ms: float = 0.0


class _Vectors:
    """Lazily loaded embedding side of one ingest run."""

    def __init__(self, conn: Connection, embedder: Embedder | None, report: IngestReport) -> None:
        from atocore.embed import check_model, resolve_model

        self.conn = conn
        self.report = report
        self._embedder = embedder
        self.model_id = embedder.model_id if embedder is not None else resolve_model().model_id
        self.available = vec_available(conn)
        self.table_ok = self.available  # old vectors can be deleted even if the model fails
        self._loaded = False
        if not self.available:
            self._disable("sqlite-vec extension could not be loaded")
        else:
            # refuse before touching anything if the DB holds another model's vectors
            check_model(conn, self.model_id)
        report.embed_model = self.model_id if self.available else None

    def _disable(self, reason: str) -> None:
        self.available = False
        self.report.vectors = VectorStatus(available=False, reason=reason)
        self.report.warnings.append(
            f"VECTOR SIDE UNAVAILABLE: {reason} — chunks are stored for keyword search only; "
            "run `atocore ingest` again (or `atocore reindex`) once it is fixed"
        )

    def embedder(self) -> Any:
        if not self.available:
            return None
        if not self._loaded:
            from atocore.embed import EmbeddingUnavailable, ensure_model, get_embedder
            from atocore.retrieval.vectors import ensure_vector_table, vector_dimension

            try:
                self._embedder = (self._embedder or get_embedder()).load()
            except EmbeddingUnavailable as exc:
                self._disable(exc.message)
                return None
            dim = self._embedder.dim
            existing = vector_dimension(self.conn)
            if existing is not None and existing != dim:
                raise ConflictError(
                    f"the vector table holds {existing}-dimensional vectors but the model "
                    f"{self._embedder.model_id} makes {dim}: run `atocore reindex`"
                )
            with transaction(self.conn):
                ensure_model(self.conn, self._embedder.model_id, dim)
                ensure_vector_table(self.conn, dim)
            self._loaded = True
        return self._embedder


def embed_text(title: str, heading: str, text: str) -> str:
    """What gets embedded for a chunk: where it sits, then what it says."""
    if heading and title and heading.startswith(title):
        where = heading
    else:
        where = " > ".join(p for p in (title, heading) if p)
    return f"{where}\n{text}" if where else text


def _display_rel(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        return printable(path.name)
    return printable(Path(root.name) / rel) if str(rel) != "." else printable(path.name)


def _registered_roots() -> list[tuple[str, str]]:
    """``(root path, project id)`` of every registered root, deepest first."""
    roots = [(str(root), project) for root, project in registered_roots()]
    return sorted(roots, key=lambda item: -len(item[0]))


def _registered_project_for(path: str, roots: list[tuple[str, str]]) -> str:
    """The registered project whose ingest root contains ``path`` (deepest root wins)."""
    for root, project in roots:
        if path == root or path.startswith(root + os.sep):
            return project
    return ""


class _Run:
    """One ingest run over a list of targets."""

    def __init__(
        self,
        conn: Connection,
        *,
        embedder: Embedder | None = None,
        options: ChunkOptions | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        progress: Progress | None = None,
        report: IngestReport | None = None,
    ) -> None:
        self.conn = conn
        self.options = options or ChunkOptions()
        self.sig = self.options.signature()
        self.max_bytes = max_bytes
        self.progress = progress
        self.report = report or IngestReport()
        self.vectors = _Vectors(conn, embedder, self.report)

    def run(
        self,
        targets: list[Target],
        prefixes: list[str],
        purge_deleted: bool,
        unlinked: Iterable[str] = (),
    ) -> None:
        """``unlinked``: stored files no longer reachable (see :func:`_unlinked`)."""
        report = self.report
        keys = [t.key for t in targets] + list(unlinked)
        existing = load_existing(self.conn, keys, prefixes)
        seen: set[str] = set()
        pending: list[PendingFile] = []
        pending_chunks = 0
        self._work = _Work(files_total=len(targets))
        for target in targets:
            seen.add(target.key)
            report.files_seen += 1
            item = self._prepare(target, existing.get(target.key))
            self._work.files_read += 1
            if item is None:
                self._tick(target.rel_path)
                continue
            self._work.chunks_found += len(item.chunks)
            pending.append(item)
            pending_chunks += len(item.chunks)
            if pending_chunks >= EMBED_GROUP_CHUNKS:
                self._flush(pending)
                pending, pending_chunks = [], 0
        self._flush(pending)
        vanished = [row for key, row in existing.items() if key not in seen]
        if purge_deleted:
            vectors_ok = vec_available(self.conn)
            for row in vanished:
                with transaction(self.conn):
                    report.chunks_removed += delete_document(self.conn, row["id"], vectors_ok)
                report.removed += 1
        else:
            report.missing += len(vanished)
            if vanished:
                report.warnings.append(
                    f"{len(vanished)} previously ingested file(s) no longer exist; "
                    "kept — re-run with --purge-deleted to remove them"
                )

    def _tick(self, label: str) -> None:
        if self.progress is not None:
            work = self._work
            self.progress(work.chunks_done, max(work.chunks_expected(), work.chunks_done), label)

    def _skip(self, target: Target, reason: str, detail: str, row: Any = None) -> None:
        """Count a skipped file. A known file that is now empty is forgotten (its old
        text would be stale); after any other problem its last good version stays."""
        self.report.skipped += 1
        self.report.skipped_files.append(
            SkippedFile(path=printable(target.path), reason=reason, detail=detail)
        )
        if row is None:
            return
        if reason == "empty":
            with transaction(self.conn):
                removed = delete_document(self.conn, row["id"], vec_available(self.conn))
            self.report.removed += 1
            self.report.chunks_removed += removed
        else:
            self.report.warnings.append(
                f"{target.path}: {reason} ({detail}); its previously ingested version is kept"
            )

    def _prepare(self, target: Target, row: Any) -> PendingFile | None:
        """None when the file needs no (re)indexing; else the parsed work item."""
        report = self.report
        if not valid_name(target.key):
            self._skip(target, "bad_name", "file name is not valid UTF-8")
            return None
        try:
            stat = target.path.stat()
        except OSError as exc:
            self._skip(target, "unreadable", str(exc.strerror or exc))
            return None
        want_model = self.vectors.model_id if self.vectors.available else None
        same_meta = model_ok = old_graph = False
        if row is not None:
            model_ok = want_model is None or row["embed_model"] == want_model
            same_meta = row["chunk_sig"] == self.sig and row["project"] == target.project
            old_graph = row["vault_version"] < VAULT_VERSION
            if (
                row["size"] == stat.st_size
                and row["mtime_ns"] == stat.st_mtime_ns
                and same_meta
                and model_ok
                and not old_graph
            ):
                report.unchanged += 1
                return None
        try:
            data, text = read_source(target.path, max_bytes=self.max_bytes)
        except SkipFile as skip:
            self._skip(target, skip.reason, skip.detail, row)
            return None
        digest = content_hash(data)
        if row is not None and row["content_hash"] == digest and same_meta and model_ok:
            with transaction(self.conn):
                touch_document(self.conn, row["id"], stat.st_size, stat.st_mtime_ns)
                if old_graph:
                    refresh_graph(
                        self.conn, row["id"], parse_document(target.path, text), target.path.name
                    )
            report.unchanged += 1
            return None
        doc = parse_document(target.path, text)
        for warning in doc.warnings:
            report.warnings.append(f"{target.path}: {warning}")
        if doc.project:
            target.project = resolve_project_name(doc.project)
        chunks = chunk_document(doc.body, markdown=doc.kind == "markdown", opts=self.options)
        if not chunks:
            self._skip(target, "empty", "no text after frontmatter", row)
            return None
        if (
            row is not None
            and row["content_hash"] == digest
            and row["project"] == target.project
            and model_ok
            and same_chunks(self.conn, row["id"], doc.title, chunks)
        ):
            # only the chunker's signature changed (new options, an upgrade), not
            # its output: keep the chunks and their vectors, record the signature
            with transaction(self.conn):
                touch_document(
                    self.conn, row["id"], stat.st_size, stat.st_mtime_ns, chunk_sig=self.sig
                )
                if old_graph:
                    refresh_graph(self.conn, row["id"], doc, target.path.name)
            report.unchanged += 1
            return None
        doc_id = row["id"] if row is not None else None
        return PendingFile(
            target, doc, chunks, digest, stat.st_size, stat.st_mtime_ns, doc_id, self.sig
        )

    def _flush(self, pending: list[PendingFile]) -> None:
        if not pending:
            return
        report = self.report
        embedder = self.vectors.embedder()
        vectors_by_item: list[Any] = [None] * len(pending)
        if embedder is not None:
            texts = [
                embed_text(item.doc.title, c.heading, c.text)
                for item in pending
                for c in item.chunks
            ]

            def tick(n: int) -> None:
                self._work.chunks_done += n
                self._tick("embedding")

            matrix = embedder.embed_documents(texts, progress=tick)
            pos = 0
            for i, item in enumerate(pending):
                vectors_by_item[i] = matrix[pos : pos + len(item.chunks)]
                pos += len(item.chunks)
        vectors_ok = self.vectors.table_ok
        model_id = self.vectors.model_id
        for i, item in enumerate(pending):
            removed, added = store_document(
                self.conn, item, vectors_by_item[i], vectors_ok, model_id
            )
            if item.doc_id is None:
                report.added += 1
            else:
                report.updated += 1
            report.chunks_added += len(item.chunks)
            report.chunks_removed += removed
            report.vectors_added += added
            if embedder is None:
                self._work.chunks_done += len(item.chunks)
            self._tick(item.target.rel_path)


@dataclass
class _Work:
    """Ingest progress in chunks (the slow part is embedding them); the total is
    an estimate until every file has been read: chunks found so far, extrapolated
    over the files not read yet."""

    files_total: int
    files_read: int = 0
    chunks_found: int = 0
    chunks_done: int = 0

    def chunks_expected(self) -> int:
        if not self.files_read:
            return 0
        left = self.files_total - self.files_read
        return self.chunks_found + round(self.chunks_found / self.files_read * left)


def _targets_for_root(
    root: Path, project: str, linked: list[str], shown: str | None = None
) -> list[Target]:
    """Files to ingest under ``root``; ``linked`` gets the followed links' real paths.

    ``shown``: the display path of a single file (watch passes it relative to
    its project root, so an edit keeps the label a full scan gave it).
    """
    if not root.is_dir():  # a file, or a pipe/socket/device that read_source turns down
        return [Target(root, normalize(root), shown or root.name, project)]
    from atocore.config import get_settings

    own = (normalize(get_settings().data_dir),)  # never ingest the Mirror or backups
    return [
        Target(path, normalize(path), _display_rel(path, root), project)
        for path in scan_root(root, linked, own)
    ]


def _unlinked(conn: Connection, root: Path, project: str, prefixes: list[str]) -> list[str]:
    """Stored notes of ``project`` that were read under ``root`` through a
    symlinked folder which no longer leads to them (the link was removed or
    changed): they count as vanished from this root."""
    rows = documents_shown_under(conn, project, f"{root.name}/")
    return [
        row["path"]
        for row in rows
        if not any(row["path"] == p or row["path"].startswith(p + os.sep) for p in prefixes)
        and normalize(root.parent / row["rel_path"]) != row["path"]
    ]


def _ingest_roots(
    conn: Connection,
    roots: list[tuple[Path, str, bool]],
    report: IngestReport,
    *,
    shown: str | None = None,
    purge_deleted: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    options: ChunkOptions | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> IngestReport:
    """``roots``: (path, project, detect_project) triples; ``shown``: a single
    file's display path (see :func:`ingest_file`)."""
    started = time.perf_counter()
    targets: list[Target] = []
    prefixes: list[str] = []
    unlinked: list[str] = []
    registered: list[tuple[str, str]] | None = None
    for root, project, detect in roots:
        key = normalize(root)
        report.roots.append(printable(key))
        resolved = Path(key)
        if not resolved.exists():
            gone = printable(key)
            report.missing_roots.append(gone)
            report.warnings.append(f"source root not found, skipped (nothing purged): {gone}")
            continue
        if not resolved.is_dir() and resolved.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped += 1
            report.files_seen += 1
            report.skipped_files.append(
                SkippedFile(path=key, reason="unsupported", detail="not a .md or .txt file")
            )
            continue
        linked: list[str] = []
        found = _targets_for_root(resolved, project, linked, shown)
        if detect and not project:
            if registered is None:
                registered = _registered_roots()
            for t in found:
                t.project = _registered_project_for(t.key, registered)
        targets.extend(found)
        prefixes.append(key)
        # files under a linked folder are stored by their real path: watch that too
        prefixes.extend(p for p in linked if not (p + os.sep).startswith(key + os.sep))
        if project and resolved.is_dir():
            unlinked.extend(_unlinked(conn, resolved, project, [key, *linked]))
    # the same file reachable from two roots is ingested once
    unique: dict[str, Target] = {}
    for t in targets:
        unique.setdefault(t.key, t)
    _Run(
        conn,
        embedder=embedder,
        options=options,
        max_bytes=max_bytes,
        progress=progress,
        report=report,
    ).run(list(unique.values()), [p for p in prefixes if Path(p).is_dir()], purge_deleted, unlinked)
    for t in unique.values():
        if t.project and t.project not in report.projects:
            report.projects.append(t.project)
    report.duration_ms = round(report.duration_ms + (time.perf_counter() - started) * 1000, 1)
    return report


def ingest_paths(
    conn: Connection,
    paths: Iterable[Path | str],
    *,
    project: str | None = None,
    shown: str | None = None,
    **run: Unpack[RunOptions],
) -> IngestReport:
    """Ingest files and directories.

    Without ``project`` each file goes to the registered project whose root
    contains it (or none); a frontmatter ``project:`` always wins. A path
    that does not exist is bad input. ``shown``: a single file's display path.
    """
    project = require_known_project(conn, project, for_write=True)
    roots = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise InvalidInput(f"path not found: {path}")
        roots.append((path, project, True))
    if not roots:
        raise InvalidInput("no paths given")
    return _ingest_roots(conn, roots, IngestReport(), shown=shown, **run)


def ingest_project(conn: Connection, project: str, **run: Unpack[RunOptions]) -> IngestReport:
    """(Re-)ingest every root of one registered project (id or alias)."""
    registered = require_project(resolve_project_name(project) or project)
    roots = [(root, registered.id, False) for root in project_roots(registered)]
    report = IngestReport(projects=[registered.id])
    if not roots:
        report.warnings.append(f"project {registered.id} has no ingest roots")
        return report
    return _ingest_roots(conn, roots, report, **run)


def ingest_all(conn: Connection, **run: Unpack[RunOptions]) -> IngestReport:
    """Ingest the roots of every registered project in one run."""
    roots = [(root, project, False) for root, project in registered_roots()]
    report = IngestReport()
    if not roots:
        report.warnings.append(
            "no registered project has ingest roots — register one (`atocore projects "
            "register`) or pass paths to `atocore ingest`"
        )
        return report
    return _ingest_roots(conn, roots, report, **run)


def ingest_file(
    conn: Connection,
    path: Path | str,
    project: str | None = None,
    *,
    embedder: Embedder | None = None,
    root: Path | None = None,
) -> IngestReport:
    """(Re-)ingest one file; used by ``atocore watch``. Unchanged files cost a stat.

    ``root``: the registered root the file was seen under, so its label stays
    the one a full scan gives it (``p05/sub/note.md``, not ``note.md``).
    """
    shown = _display_rel(Path(path).expanduser(), root) if root is not None else None
    return ingest_paths(conn, [path], project=project, embedder=embedder, shown=shown)


def remove_file(conn: Connection, path: Path | str) -> bool:
    """Forget one source file (its chunks and vectors). True if it was known."""
    key = normalize(path)
    if not valid_name(key):  # never ingested (see bad_name)
        return False
    doc_id = document_id(conn, key)
    if doc_id is None:
        return False
    with transaction(conn):
        delete_document(conn, doc_id, vec_available(conn))
    return True
