"""Vector search at scale: latency and recall@k of atocore's store vs baselines.

For each data kind and store size, one run builds a fresh store through the
product API (:func:`atocore.retrieval.vectors.upsert_vectors`, in batches,
so the quantized index is built and maintained exactly as in real use) and
times, on the same queries:

- ``sqlite-vec exact``  sqlite-vec's float brute-force KNN (``mode="exact"``)
- ``numpy exact``       an in-memory float32 matrix product + argpartition
                        (the matrix is already loaded; its load is not timed)
- ``atocore auto``      :func:`search_vectors` as the product calls it
- ``… cold``            the same with the per-connection cache dropped before
                        each query (what a one-shot CLI process pays)
- ``… project``         scoped to one of ``projects`` equally sized projects

Recall@k is measured against exact neighbours computed with numpy.

Storage: bytes per vector of the vec0 tables, the index's bit blocks and its
re-scoring copy (``dbstat`` pages). The last rows (``--float-baseline``)
rewrite the copy in the float32 layout an index had before the int8 one
(still readable) and measure the same searches and bytes on it: the
baseline from the same run. ``--layout-baseline`` rebuilds the index with
the block layout before (8-byte ids, 4-byte project codes, 4,096 slots a
block) and measures bytes and searches the same way; ``--share-baseline``
re-runs the scoped search without the calibrated project share (the rule
before it: ``PROJECT_FACTOR`` and ``PROJECT_MIN_CANDIDATES`` only).

Data kinds: ``random`` (i.i.d. unit vectors, the worst case for quantization)
and ``clustered`` (a shared direction + a topic centre + noise, with the
pairwise and nearest-neighbour cosines of real MiniLM sentence embeddings:
see ``docs/benchmarks.md``). Queries are fresh draws from the same
distribution, never stored vectors.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, summarize, time_each

DIM = 384
# Clustered mixture weights (squared norms of the three parts), chosen to match
# all-MiniLM-L6-v2 on 600 LoCoMo turns: mean vector norm 0.45, mean pairwise
# cosine 0.20, nearest-neighbour cosine ~0.6.
SHARED, TOPIC, NOISE = 0.20, 0.40, 0.40
PER_TOPIC = 50
KINDS = ("random", "clustered")


def _unit(matrix: Any) -> Any:
    import numpy as np

    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def make_data(kind: str, n: int, n_queries: int, dim: int = DIM, seed: int = 0) -> tuple[Any, Any]:
    """``(vectors, queries)`` as float32 unit rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if kind == "random":
        data = _unit(rng.standard_normal((n + n_queries, dim), dtype=np.float32))
        return data[:n], data[n:]
    if kind != "clustered":
        raise ValueError(f"unknown data kind {kind!r}")
    shared = _unit(rng.standard_normal((1, dim), dtype=np.float32))[0]
    topics = _unit(rng.standard_normal((max(1, n // PER_TOPIC), dim), dtype=np.float32))
    out = np.empty((n + n_queries, dim), dtype=np.float32)
    step = 50_000
    for start in range(0, n + n_queries, step):
        size = min(step, n + n_queries - start)
        which = rng.integers(0, len(topics), size)
        noise = _unit(rng.standard_normal((size, dim), dtype=np.float32))
        out[start : start + size] = _unit(
            np.sqrt(SHARED) * shared + np.sqrt(TOPIC) * topics[which] + np.sqrt(NOISE) * noise
        )
    return out[:n], out[n:]


def exact_neighbours(data: Any, queries: Any, k: int, mask: Any = None) -> list[list[int]]:
    """Ground truth by brute force: row indices (0-based) of the ``k`` nearest per query."""
    import numpy as np

    truth = []
    pool = np.arange(len(data)) if mask is None else np.flatnonzero(mask)
    sub = data if mask is None else data[pool]  # float32 products suffice for ranking
    for q in queries:
        scores = sub @ q
        top = np.argpartition(-scores, k - 1)[:k]
        truth.append([int(pool[i]) for i in top[np.argsort(-scores[top])]])
    return truth


def recall(found: list[list[int]], truth: list[list[int]], k: int) -> float:
    hits = sum(len(set(f[:k]) & set(t[:k])) for f, t in zip(found, truth, strict=True))
    return round(hits / (k * len(truth)), 4)


def build_store(path: Path, data: Any, projects: int, batch: int = 5000) -> tuple[Any, float]:
    """A fresh DB holding ``data`` (chunk id = row + 1); returns (conn, seconds)."""
    from atocore.db.connection import connect
    from atocore.retrieval.vectors import ensure_vector_table, upsert_vectors

    conn = connect(path)
    ensure_vector_table(conn, data.shape[1])
    start = time.perf_counter()
    for first in range(0, len(data), batch):
        rows = data[first : first + batch]
        upsert_vectors(
            conn,
            [(first + i + 1, f"p{(first + i) % projects}", rows[i]) for i in range(len(rows))],
        )
    return conn, time.perf_counter() - start


def _timed(fn: Any, inputs: Any) -> tuple[tuple[list[float], list[float]], list[Any]]:
    """Wall and CPU seconds per call, and the results."""
    cpu: list[float] = []
    wall, out = time_each(fn, inputs, cpu=cpu)
    return (wall, cpu), out


def storage(conn: Any, n: int) -> dict[str, float]:
    """Bytes per vector on disk: ``vec0``, ``bits`` (index blocks etc.) and ``copy``."""
    from atocore.retrieval import quantized

    out = {"vec0": 0.0, "bits": 0.0, "copy": 0.0}
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        if name == quantized.ROWS:
            out["copy"] += size
        elif name.startswith(("chunk_vectors_bq", "sqlite_autoindex_chunk_vectors_bq")):
            out["bits"] += size
        elif name.startswith("chunk_vectors"):
            out["vec0"] += size
    return {key: round(value / max(n, 1), 1) for key, value in out.items()}


def _row(kind, n, method, timings, found, truth, k, **extra) -> dict[str, Any]:
    wall, cpu = timings
    stats = summarize(wall)
    return {
        "data": kind,
        "vectors": n,
        "method": method,
        "p50_ms": stats["p50_ms"],
        "p99_ms": stats["p99_ms"],
        "min_ms": stats["min_ms"],
        "cpu_p50_ms": summarize(cpu)["p50_ms"],
        f"recall@{k}": recall(found, truth, k) if truth is not None else None,
        "queries": stats["n"],
        **extra,
    }


def bench_one(
    report: Report,
    kind: str,
    n: int,
    *,
    queries: int,
    slow_queries: int,
    k: int,
    projects: int,
    workdir: Path,
    float_baseline: bool = False,
    project_factor_baseline: int | None = None,
    layout_baseline: bool = False,
    share_baseline: bool = False,
) -> None:
    import numpy as np

    from atocore.retrieval import quantized
    from atocore.retrieval.vectors import build_quantized_index, choose_mode, search_vectors

    data, qs = make_data(kind, n, queries, seed=n)
    path = workdir / f"{kind}-{n}.db"
    conn, load_s = build_store(path, data, projects)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_mb = round(path.stat().st_size / 2**20, 1)
    try:
        mode = choose_mode(conn)
        truth = exact_neighbours(data, qs, k)
        slow = qs[:slow_queries]

        def ids(hits: list[tuple[int, float]]) -> list[int]:
            return [h[0] - 1 for h in hits]

        secs, out = _timed(lambda q: ids(search_vectors(conn, q, k, mode="exact")), slow)
        report.add(_row(kind, n, "sqlite-vec exact (baseline)", secs, out, truth[: len(slow)], k))

        def numpy_exact(q: Any) -> list[int]:
            scores = data @ q
            top = np.argpartition(-scores, k - 1)[:k]
            return [int(i) for i in top[np.argsort(-scores[top])]]

        secs, out = _timed(numpy_exact, qs)
        report.add(_row(kind, n, "numpy exact, in memory (baseline)", secs, out, truth, k))

        search_vectors(conn, qs[0], k)  # warm the per-connection cache once
        secs, out = _timed(lambda q: ids(search_vectors(conn, q, k)), qs)
        index = quantized.info(conn) or {}
        report.add(
            _row(
                kind,
                n,
                f"atocore auto → {mode}",
                secs,
                out,
                truth,
                k,
                load_s=round(load_s, 1),
                db_mb=db_mb,
                oversample=index.get("oversample"),
                calibrated=index.get("calibrated_recall"),
                bytes_per_vector=storage(conn, n),
            )
        )

        if mode == "exact":
            if not index:  # below the threshold: build it anyway, to show what it would do
                build_quantized_index(conn)
            secs, out = _timed(lambda q: ids(search_vectors(conn, q, k, mode="quantized")), qs)
            report.add(
                _row(
                    kind,
                    n,
                    "atocore quantized (forced)",
                    secs,
                    out,
                    truth,
                    k,
                    oversample=(quantized.info(conn) or {}).get("oversample"),
                    calibrated=(quantized.info(conn) or {}).get("calibrated_recall"),
                )
            )

        if mode == "quantized":

            def cold(q: Any) -> list[int]:
                quantized.forget(conn)
                return ids(search_vectors(conn, q, k))

            secs, out = _timed(cold, slow)
            report.add(
                _row(kind, n, "atocore quantized, cold cache", secs, out, truth[: len(slow)], k)
            )

        project = "p1"
        mask = np.array([(i % projects) == 1 for i in range(n)])
        ptruth = exact_neighbours(data, qs, k, mask)

        def scoped(label: str) -> None:
            secs, out = _timed(lambda q: ids(search_vectors(conn, q, k, project=project)), qs)
            share = (quantized.info(conn) or {}).get("project_share")
            row = _row(kind, n, f"{label}, 1 of {projects} projects", secs, out, ptruth, k)
            report.add({**row, "project_share": share})

        scoped(f"atocore auto → {mode}")
        if mode == "quantized" and share_baseline:
            with _meta_value(conn, "project_share", 0.0):
                scoped("atocore quantized, no project share (baseline)")
        if mode == "quantized" and project_factor_baseline:
            current = quantized.PROJECT_FACTOR, quantized.PROJECT_MIN_CANDIDATES
            quantized.PROJECT_FACTOR, quantized.PROJECT_MIN_CANDIDATES = project_factor_baseline, 0
            try:
                scoped(f"atocore quantized, project factor {project_factor_baseline} (baseline)")
            finally:
                quantized.PROJECT_FACTOR, quantized.PROJECT_MIN_CANDIDATES = current
        secs, out = _timed(
            lambda q: ids(search_vectors(conn, q, k, project=project, mode="exact")), slow
        )
        report.add(
            _row(
                kind,
                n,
                f"sqlite-vec exact, 1 of {projects} projects (baseline)",
                secs,
                out,
                ptruth[: len(slow)],
                k,
            )
        )

        def rewritten(label: str) -> None:
            """Searches and bytes after the index was rewritten in a layout from before."""
            conn.execute("VACUUM")
            quantized.forget(conn)
            search_vectors(conn, qs[0], k)
            secs, out = _timed(lambda q: ids(search_vectors(conn, q, k)), qs)
            report.add(_row(kind, n, label, secs, out, truth, k, bytes_per_vector=storage(conn, n)))

        if float_baseline and mode == "quantized":
            conn.executemany(
                f"UPDATE {quantized.ROWS} SET vec = ? WHERE id = ?",
                [(data[i].tobytes(), i + 1) for i in range(n)],
            )
            rewritten("atocore quantized, float32 copy (baseline)")
            scoped("atocore quantized, float32 copy (baseline)")
        if layout_baseline and mode == "quantized":
            wide = {key: (w, w) for key, (_, w) in quantized.WIDTHS.items()}
            before = quantized.WIDTHS, quantized.BLOCK_SIZE
            quantized.WIDTHS, quantized.BLOCK_SIZE = wide, 4096
            try:
                build_quantized_index(conn)
            finally:
                quantized.WIDTHS, quantized.BLOCK_SIZE = before
            rewritten(
                "atocore quantized, blocks of 8-byte ids, 4-byte codes, 4,096 slots (baseline)"
            )
    finally:
        conn.close()


class _meta_value:
    """Set one key of the quantized index's meta for a block of searches."""

    def __init__(self, conn: Any, key: str, value: Any) -> None:
        self.conn, self.key, self.value = conn, key, value

    def __enter__(self) -> None:
        from atocore.retrieval import quantized

        self.saved = quantized.read_meta(self.conn).get(self.key)
        self._set(self.value)

    def __exit__(self, *exc: object) -> None:
        self._set(self.saved)

    def _set(self, value: Any) -> None:
        from atocore.retrieval import quantized

        self.conn.execute(
            f"INSERT OR REPLACE INTO {quantized.META}(key, value) VALUES (?, ?)", (self.key, value)
        )
        quantized.forget(self.conn)


def run(
    *,
    sizes: list[int],
    kinds: list[str],
    queries: int = 200,
    slow_queries: int = 50,
    k: int = 10,
    projects: int = 5,
    float_baseline: bool = False,
    project_factor_baseline: int | None = None,
    layout_baseline: bool = False,
    share_baseline: bool = False,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.retrieval import quantized, vectors

    report = Report(
        "vector_search",
        params={
            "sizes": sizes,
            "kinds": kinds,
            "dim": DIM,
            "k": k,
            "queries": queries,
            "slow_queries": slow_queries,
            "projects": projects,
            "quantize_min_vectors": vectors.QUANTIZE_MIN_VECTORS,
            "min_candidates": quantized.MIN_CANDIDATES,
            "project_factor": quantized.PROJECT_FACTOR,
            "project_min_candidates": quantized.PROJECT_MIN_CANDIDATES,
            "project_share_steps": quantized.PROJECT_SHARE_STEPS,
            "block_size": quantized.BLOCK_SIZE,
            "recall_target": quantized.RECALL_TARGET,
            "recall_floor": quantized.RECALL_FLOOR,
        },
        command=command,
        live=show,
    )
    with tempfile.TemporaryDirectory(prefix="atocore-bench-") as tmp:
        for n in sizes:
            for kind in kinds:
                bench_one(
                    report,
                    kind,
                    n,
                    queries=queries,
                    slow_queries=min(slow_queries, queries),
                    k=k,
                    projects=projects,
                    workdir=Path(tmp),
                    float_baseline=float_baseline,
                    project_factor_baseline=project_factor_baseline,
                    layout_baseline=layout_baseline,
                    share_baseline=share_baseline,
                )
                (Path(tmp) / f"{kind}-{n}.db").unlink(missing_ok=True)
    report.note(
        "sqlite-vec exact runs on the first slow_queries queries only; latencies are "
        "wall-clock per query in one process, after one warm-up query"
    )
    report.finish(write=write, show=show)
    return report
