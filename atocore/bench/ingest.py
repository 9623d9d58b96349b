"""Ingest throughput vs the raw embedder, and unchanged re-scan time.

1. A generated vault of ``notes`` markdown notes (frontmatter, headings,
   paragraphs, a table) is chunked once to get the exact texts the pipeline
   embeds. Baselines on those texts: fastembed's own ``TextEmbedding.embed``
   (input order, batch 64) and our ``Embedder.embed_documents`` (length-
   sorted batches). Then a first ``ingest_paths`` into a fresh data dir
   (scan, parse, chunk, embed, write SQLite + FTS + vectors). Baseline runs
   before and after the ingest; their mean is the reference.
2. An unchanged re-scan of the same vault.
3. An unchanged re-scan of a ``rescan_notes`` vault. Populating that
   index with the real model would take most of an hour here, so it is
   filled once with a stand-in embedder that returns constant vectors
   under the real model id; the timed re-scan never embeds (that is what
   is measured), so the stand-in does not touch the figure.
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


def note(rng: random.Random, i: int, size: str = "normal") -> str:
    if size == "small":
        return f"# Note {i}\n\n{paragraph(rng, 2)}\n"
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


def make_vault(root: Path, n: int, size: str = "normal", seed: int = 7) -> Path:
    rng = random.Random(seed)
    for i in range(n):
        path = root / f"area-{i % 20:02d}" / f"note-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note(rng, i, size), encoding="utf-8")
    return root


class ConstantEmbedder:
    """Stand-in used only to populate the 10K-note index (see module doc)."""

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
    rescan_notes: int = 10_000,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    report = Report(
        name="ingest",
        params={"notes": notes, "rescan_notes": rescan_notes},
        command=command,
        live=show,
    )
    with tempfile.TemporaryDirectory(prefix="atocore-bench-ingest-") as tmp:
        with scratch_data_dir(Path(tmp) / "data"):
            embedder = _first_ingest(report, Path(tmp), notes)
        with scratch_data_dir(Path(tmp) / "data-big"):
            _big_rescan(report, Path(tmp), rescan_notes, embedder)
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
    _row(report, f"unchanged re-scan of {notes} notes", rescan_s)
    report.note(
        f"baseline runs (s): fastembed {raw1:.2f} / {raw2:.2f}, ours {ours1:.2f} / {ours2:.2f}"
    )
    return embedder


def _big_rescan(report: Report, tmp: Path, rescan_notes: int, embedder: Embedder) -> None:
    """Row 3 of the module doc."""
    from atocore.db import open_db
    from atocore.ingest import ingest_paths

    big = make_vault(tmp / "big", rescan_notes, size="small", seed=11)
    conn = open_db()
    stand_in = ConstantEmbedder(embedder.model_id, embedder.dim)
    t = time.perf_counter()
    filled = ingest_paths(conn, [big], embedder=stand_in)
    fill_s = time.perf_counter() - t
    assert filled.added == rescan_notes
    times = []
    for _ in range(3):
        t = time.perf_counter()
        rescan = ingest_paths(conn, [big], embedder=stand_in)
        times.append(time.perf_counter() - t)
        assert rescan.unchanged == rescan_notes
    conn.close()
    times.sort()
    _row(report, f"populate {rescan_notes}-note index, embedding stubbed (setup)", fill_s)
    _row(report, f"unchanged re-scan of {rescan_notes} notes (median of 3)", times[1])
    report.note(f"{rescan_notes}-note re-scans (s): " + ", ".join(f"{x:.2f}" for x in times))
