"""Ingest throughput vs the raw embedder, and unchanged re-scan time.

1. A generated vault of ``notes`` markdown notes (frontmatter, headings,
   paragraphs, a table) is chunked once to get the exact texts the pipeline
   embeds. Baselines on those texts: fastembed's own ``TextEmbedding.embed``
   (input order, batch 64) and our ``Embedder.embed_documents`` (length-
   sorted batches). Then a first ``ingest_paths`` into a fresh data dir
   (scan, parse, chunk, embed, write SQLite + FTS + vectors). Baseline runs
   before and after the ingest; their mean is the reference. Parsing and
   chunking the same notes alone (CPU, no SQLite, no model) is timed too.
2. An unchanged re-scan of the same vault.
3. Unchanged re-scans of vaults of ``rescan_notes`` notes (the first size
   is the baseline), each note ``rescan_chunks_per_note`` chunks, each in
   a data dir of its own. Populating a big index with the real model
   would take hours here, so it is filled once with a stand-in embedder
   that returns constant vectors under the real model id; the timed
   re-scans never embed (that is what is measured, and what is checked),
   so the stand-in does not touch the figure.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atocore.bench.harness import Report, scratch_data_dir

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

WORDS = (
    "mount flexure invar zerodur thermal drift tilt interferometer fringe phase spindle "
    "bonnet slurry cerium pad dwell toolpath raster gantry backlash encoder stage focus "
    "alignment vibration isolation table chiller pump humidity anneal stress creep bond "
    "epoxy tolerance requirement decision review risk action owner schedule vendor quote "
    "lead time drawing revision analysis model mesh load case modal frequency damping "
    "stiffness mass budget margin test procedure calibration reference sensor"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, n: int) -> str:
    return " ".join(sentence(rng) for _ in range(n))


def note(rng: random.Random, i: int, size: str = "normal", chunks: int = 1) -> str:
    """``size="small"``: exactly ``chunks`` chunks under the default chunker."""
    if size == "small" and chunks == 1:
        return f"# Note {i}\n\n{paragraph(rng, 2)}\n"
    if size == "small":
        # sibling sections: a short one is never folded into the next (not nested
        # under it), and a 2-sentence paragraph stays under the chunk size
        parts = [f"## Part {j}\n\n{paragraph(rng, 2)}" for j in range(chunks)]
        return f"# Note {i}\n\n" + "\n\n".join(parts) + "\n"
    parts = [
        "---",
        f"title: Engineering note {i}",
        f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]",
        "---",
        "",
        f"# Engineering note {i}",
        "",
        paragraph(rng, 3),
    ]
    for h in range(rng.randint(2, 4)):
        parts += [
            "",
            f"## Section {h} on {rng.choice(WORDS)}",
            "",
            paragraph(rng, rng.randint(2, 6)),
        ]
    parts += ["", "| item | value |", "|---|---|"]
    parts += [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} |" for _ in range(4)]
    return "\n".join(parts) + "\n"


def make_vault(root: Path, n: int, size: str = "normal", seed: int = 7, chunks: int = 1) -> Path:
    rng = random.Random(seed)
    for i in range(n):
        path = root / f"area-{i % 20:02d}" / f"note-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note(rng, i, size, chunks), encoding="utf-8")
    return root


class ConstantEmbedder:
    """Stand-in used only to populate the re-scanned indexes (see module doc)."""

    def __init__(self, model_id: str, dim: int) -> None:
        self.model_id, self.dim = model_id, dim

    def load(self, *, for_query: bool = False) -> ConstantEmbedder:
        return self

    def embed_documents(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> Any:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out

    def embed_query(self, text: str) -> Any:
        return self.embed_documents([text])[0]


class TimedEmbedder:
    """The real embedder, timing the calls the pipeline makes into it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.seconds = inner, 0.0
        self.model_id, self.dim = inner.model_id, inner.dim

    def load(self, *, for_query: bool = False) -> TimedEmbedder:
        return self

    def embed_documents(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> Any:
        t = time.perf_counter()
        try:
            return self.inner.embed_documents(texts, progress=progress)
        finally:
            self.seconds += time.perf_counter() - t

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def run(
    *,
    notes: int = 150,
    rescan_notes: Sequence[int] = (10_000,),
    rescan_chunks_per_note: int = 1,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    report = Report(
        name="ingest",
        params={
            "notes": notes,
            "rescan_notes": list(rescan_notes),
            "rescan_chunks_per_note": rescan_chunks_per_note,
        },
        command=command,
        live=show,
    )
    with tempfile.TemporaryDirectory(prefix="atocore-bench-ingest-") as tmp:
        with scratch_data_dir(Path(tmp) / "data"):
            embedder = _first_ingest(report, Path(tmp), notes)
        stand_in = ConstantEmbedder(embedder.model_id, embedder.dim)
        for i, n in enumerate(rescan_notes):
            label = " (baseline)" if i == 0 and len(rescan_notes) > 1 else ""
            rescan(report, Path(tmp), n, rescan_chunks_per_note, stand_in, label)
    report.finish(write=write, show=show)
    return report


def _row(
    report: Report, what: str, seconds: float, chunks: int | None = None, ref: float | None = None
) -> None:
    report.add(
        {
            "measurement": what,
            "seconds": round(seconds, 3),
            "chunks/s": round(chunks / seconds, 1) if chunks else "",
            "vs raw fastembed": f"{ref / seconds:.0%}" if ref and chunks else "",
        }
    )


def _parse_and_chunk(vault: Path) -> float:
    """CPU seconds to parse and chunk every note of ``vault`` (files read first)."""
    from atocore.ingest.chunker import chunk_document
    from atocore.ingest.parse import parse_document

    files = [(path, path.read_text(encoding="utf-8")) for path in sorted(vault.rglob("*.md"))]
    passes = []
    for _ in range(5):
        start = time.process_time()
        for path, text in files:
            chunk_document(parse_document(path, text).body)
        passes.append(time.process_time() - start)
    return sorted(passes)[len(passes) // 2]


def _first_ingest(report: Report, tmp: Path, notes: int) -> Embedder:
    """Rows 1-2 of the module doc; returns the loaded embedder."""
    from atocore.db import open_db
    from atocore.embed import get_embedder
    from atocore.ingest import ingest_paths
    from atocore.ingest.chunker import chunk_document
    from atocore.ingest.parse import parse_document
    from atocore.ingest.pipeline import embed_text

    vault = make_vault(tmp / "vault", notes)
    embedder = get_embedder().load()
    texts = []
    for path in sorted(vault.rglob("*.md")):
        doc = parse_document(path, path.read_text(encoding="utf-8"))
        texts += [embed_text(doc.title, c.heading, c.text) for c in chunk_document(doc.body)]
    n = len(texts)
    report.note(
        f"vault: {notes} notes, {sum(p.stat().st_size for p in vault.rglob('*.md'))} bytes, "
        f"{n} chunks (mean {sum(map(len, texts)) // n} chars)"
    )

    def raw_fastembed() -> float:
        t = time.perf_counter()
        list(embedder._model.embed(texts, batch_size=64))
        return time.perf_counter() - t

    def ours() -> float:
        t = time.perf_counter()
        embedder.embed_documents(texts)
        return time.perf_counter() - t

    raw1, ours1 = raw_fastembed(), ours()
    conn = open_db()
    timed = TimedEmbedder(embedder)
    t = time.perf_counter()
    first = ingest_paths(conn, [vault], embedder=timed)
    ingest_s = time.perf_counter() - t
    assert first.chunks_added == n, (first.chunks_added, n)
    raw2, ours2 = raw_fastembed(), ours()
    raw_s, ours_s = (raw1 + raw2) / 2, (ours1 + ours2) / 2

    parse_s = _parse_and_chunk(vault)
    t = time.perf_counter()
    again = ingest_paths(conn, [vault], embedder=embedder)
    rescan_s = time.perf_counter() - t
    assert again.unchanged == notes
    conn.close()

    _row(report, "raw fastembed embed(), input order, batch 64 (baseline)", raw_s, n, raw_s)
    _row(report, "Embedder.embed_documents, length-sorted batches of 64", ours_s, n, raw_s)
    _row(report, f"first ingest of {notes} notes (parse+chunk+embed+store)", ingest_s, n, raw_s)
    _row(report, "  of which inside the embedder", timed.seconds)
    _row(
        report, "  of which everything else (scan, parse, chunk, SQLite)", ingest_s - timed.seconds
    )
    _row(report, "  parse + chunk alone, CPU (median of 5 passes over the files)", parse_s)
    _row(report, f"unchanged re-scan of {notes} notes", rescan_s)
    report.note(
        f"baseline runs (s): fastembed {raw1:.2f} / {raw2:.2f}, ours {ours1:.2f} / {ours2:.2f}"
    )
    return embedder


def rescan(
    report: Report,
    tmp: Path,
    notes: int,
    chunks_per_note: int,
    stand_in: ConstantEmbedder,
    label: str = "",
) -> Path:
    """Row 3 of the module doc for one vault size; returns the data dir it filled."""
    from atocore.config import get_settings
    from atocore.db import open_db
    from atocore.ingest import ingest_paths

    name = f"{notes}x{chunks_per_note}"
    vault = make_vault(tmp / f"vault-{name}", notes, "small", seed=11, chunks=chunks_per_note)
    with scratch_data_dir(tmp / f"data-{name}") as data:
        conn = open_db()
        t = time.perf_counter()
        filled = ingest_paths(conn, [vault], embedder=stand_in)
        fill_s = time.perf_counter() - t
        chunks = conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
        assert filled.added == notes and chunks == notes * chunks_per_note, (filled, chunks)
        wall, cpu, embedded = [], [], 0
        for _ in range(3):
            cpu_start, t = time.process_time(), time.perf_counter()
            again = ingest_paths(conn, [vault], embedder=stand_in)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - cpu_start)
            embedded += again.added + again.updated  # reported, not asserted: must be 0
        conn.close()
        db_bytes = get_settings().db_path.stat().st_size
    vault_bytes = sum(p.stat().st_size for p in vault.rglob("*.md"))
    (wall_min, wall_median, _), (cpu_min, cpu_median, _) = sorted(wall), sorted(cpu)
    _row(report, f"populate {notes:,}-note index, embedding stubbed (setup)", fill_s)
    report.add(
        {
            "measurement": f"unchanged re-scan, 3 runs{label}",
            "notes": notes,
            "chunks": chunks,
            "vault bytes": vault_bytes,
            "DB bytes": db_bytes,
            "wall min / median s": f"{wall_min:.3f} / {wall_median:.3f}",
            "CPU min / median s": f"{cpu_min:.3f} / {cpu_median:.3f}",
            "notes re-embedded": embedded,
        }
    )
    report.note(
        f"{notes:,}-note re-scans, wall (CPU) s: "
        + ", ".join(f"{w:.3f} ({c:.3f})" for w, c in zip(wall, cpu, strict=True))
    )
    return data
