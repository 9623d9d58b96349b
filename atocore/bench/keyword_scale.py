"""Keyword work at scale: context-pack CPU and BM25 cost with and without the match cap.

Builds (once, kept under ``--workdir``) a store of ``--chunks`` chunks of real
prose (the interpreter's docstrings, cycled when there are fewer; clustered
vectors under the real model id: see :func:`atocore.bench.hooks.build_corpus`)
and, on the same store in the same process, times for each prompt of
:data:`PROMPTS`:

- ``pack, uncapped (baseline)``  :func:`build_context` with the keyword cap off
  (``fts.MATCH_BUDGET = 0``: every prompt word OR-ed, as before)
- ``pack, capped N``             the same with ``fts.MATCH_BUDGET = N`` (``--budgets``;
                                 default: the shipped value)
- ``bm25 …``                      :func:`search_fts` alone (50 hits), both ways

CPU ms are process time (all threads: the query embedding runs beside FTS);
``rows`` is how many rows the OR of the query's words matches;
``overlap@50`` is the share of the uncapped BM25 top 50 the capped one keeps.

``--server`` also starts ``atocore serve`` on each store, builds every prompt's
pack twice over HTTP and reads the server's resident memory (``VmRSS``, peak
``VmHWM``; Linux ``/proc``) right after start-up and after the packs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, summarize
from atocore.bench.hooks import DOC_PROMPTS
from atocore.bench.hooks import PROMPTS as LAB_PROMPTS

PROMPTS = DOC_PROMPTS + LAB_PROMPTS


def store(workdir: Path, chunks: int) -> Path:
    """The data dir of a ``chunks``-chunk real-prose store, built on first use."""
    from atocore.bench.hooks import build_corpus

    data_dir = workdir / f"prose-{chunks}" / "data"
    if not (data_dir / "built").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        build_corpus(data_dir, chunks, text="docstrings", cycle=True)
        (data_dir / "built").write_text("ok")
    return data_dir


def _cpu_ms(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        out.append((time.process_time() - start) * 1000)
    return out


def bench_store(report: Report, data_dir: Path, runs: int, budgets: list[int]) -> None:
    os.environ["ATOCORE_DATA_DIR"] = str(data_dir)
    from atocore.context.builder import build_context
    from atocore.db import open_db
    from atocore.embed import get_embedder
    from atocore.retrieval import fts

    conn = open_db()
    embedder = get_embedder().load()
    chunks = conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
    db_mb = round(sum(p.stat().st_size for p in data_dir.glob("atocore.db*")) / 2**20, 1)
    budget = fts.MATCH_BUDGET
    per_prompt: dict[str, dict[str, list[float]]] = {}
    try:
        build_context(conn, PROMPTS[0], embedder=embedder, save=False)  # warm caches
        for prompt in PROMPTS:
            rows = conn.execute(
                "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                (fts.match_expression(prompt),),
            ).fetchone()[0]
            times: dict[str, list[float]] = {}
            hits = {}
            settings = [("uncapped (baseline)", 0)] + [(f"capped {b}", b) for b in budgets]
            for label, cap in settings:
                fts.MATCH_BUDGET = cap
                times[f"pack, {label}"] = _cpu_ms(
                    lambda p=prompt: build_context(conn, p, embedder=embedder, save=False), runs
                )
                times[f"bm25 top 50, {label}"] = _cpu_ms(
                    lambda p=prompt: fts.search_fts(conn, p, 50), runs
                )
                hits[label] = {cid for cid, _ in fts.search_fts(conn, prompt, 50)}
            fts.MATCH_BUDGET = budget
            base = hits["uncapped (baseline)"]
            per_prompt[prompt] = times
            report.extra.setdefault("prompts", []).append(
                {
                    "chunks": chunks,
                    "prompt": prompt,
                    "rows": rows,
                    **{
                        f"kept {b}": fts.capped_terms(conn, fts.query_terms(prompt), b)
                        for b in budgets
                    },
                    **{
                        f"overlap@50 {b}": round(
                            len(hits[f"capped {b}"] & base) / max(1, len(base)), 2
                        )
                        for b in budgets
                    },
                    **{k: round(sorted(v)[len(v) // 2], 2) for k, v in times.items()},
                }
            )
    finally:
        fts.MATCH_BUDGET = budget
        conn.close()
    mine = [p for p in report.extra["prompts"] if p["chunks"] == chunks]
    for method in per_prompt[PROMPTS[0]]:
        medians = [sorted(t[method])[len(t[method]) // 2] for t in per_prompt.values()]
        stats = summarize([m / 1000 for m in medians])
        report.add(
            {
                "chunks": chunks,
                "method": method,
                "cpu_p50_ms": stats["p50_ms"],
                "cpu_max_ms": round(max(medians), 2),
                "cpu_min_ms": stats["min_ms"],
                "overlap@50_p50": (
                    sorted(p[f"overlap@50 {method.split()[-1]}"] for p in mine)[len(mine) // 2]
                    if method.split(", ")[-1].startswith("capped")
                    else None
                ),
                "db_mb": db_mb,
            }
        )


def server_memory(report: Report, data_dir: Path, chunks: int) -> None:
    """Resident memory of ``atocore serve`` on ``data_dir``: after start-up, after packs."""
    from atocore.bench.hooks import memory_mb, start_server

    server, base = start_server({**os.environ, "ATOCORE_DATA_DIR": str(data_dir)})
    try:
        import httpx

        started = memory_mb(server.pid)
        walls = []
        for prompt in PROMPTS + PROMPTS:
            start = time.perf_counter()
            httpx.post(
                f"{base}/context/build", json={"prompt": prompt}, timeout=300
            ).raise_for_status()
            walls.append(time.perf_counter() - start)
        after = memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    for moment, memory in (("started", started), (f"after {len(walls)} packs", after)):
        report.add({"chunks": chunks, "method": f"server RSS, {moment}", **memory})
    report.add(
        {
            "chunks": chunks,
            "method": "server pack wall ms (second pass)",
            "first_pack_ms": round(walls[0] * 1000, 1),
            **summarize(walls[len(PROMPTS) :]),
        }
    )


def run(
    *,
    sizes: list[int],
    workdir: Path,
    runs: int = 5,
    budgets: list[int] | None = None,
    server: bool = False,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.retrieval import fts

    budgets = budgets or [fts.MATCH_BUDGET]
    report = Report(
        "keyword_scale",
        params={
            "sizes": sizes,
            "runs": runs,
            "budgets": budgets,
            "shipped": fts.MATCH_BUDGET,
            "server": server,
        },
        command=command,
        live=show,
    )
    for n in sizes:
        bench_store(report, store(workdir, n), runs, budgets)
    if server:
        for n in sizes:
            server_memory(report, store(workdir, n), n)
    report.note(
        "cpu ms per prompt = median of runs (process time, all threads); p50/max/min over "
        f"the {len(PROMPTS)} prompts; overlap@50 = share of the uncapped BM25 top 50 kept"
    )
    report.finish(write=write, show=show)
    return report
