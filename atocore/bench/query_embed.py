"""Query embedding cost: warm per-query latency and cold-process context packs.

1. Warm, in one process: embedding one query with fastembed's
   ``query_embed`` (baseline) vs atocore's direct ONNX query encoder
   (``Embedder.embed_query``), same packaged model, same texts.
2. Cold, each a fresh process: ``atocore context`` on the example vault,
   ``--mode bm25`` (baseline: no embedding at all) vs ``--mode hybrid``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from atocore.bench.cli_latency import atocore_argv, time_command
from atocore.bench.harness import CHECKOUT, Report, scratch_data_dir, summarize, time_each

QUERIES = [
    "What material did we choose for the mirror mount and why?",
    "spindle run-out after mounting the bonnet",
    "how long should the stand soak after a door opens",
    "slurry temperature and removal rate",
    "who owns the vibration isolation subsystem",
]


def run(
    *,
    runs: int = 50,
    cold_runs: int = 5,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    import numpy as np

    from atocore.embed import get_embedder

    report = Report("query_embed", params={"runs": runs, "cold_runs": cold_runs}, command=command)
    with (
        tempfile.TemporaryDirectory(prefix="atocore-bench-query-") as tmp,
        scratch_data_dir(Path(tmp) / "data") as data_dir,
    ):
        embedder = get_embedder().load()
        fastembed_model = embedder._model

        def fastembed_query(text: str) -> None:
            np.asarray(next(iter(fastembed_model.query_embed([text]))))

        for name, fn in (
            ("warm: fastembed query_embed (baseline)", fastembed_query),
            ("warm: Embedder.embed_query (direct ONNX encoder)", embedder.embed_query),
        ):
            fn(QUERIES[0])
            seconds, _ = time_each(fn, [QUERIES[i % len(QUERIES)] for i in range(runs)])
            report.add({"measurement": name, **summarize(seconds)})

        env = {
            **os.environ,
            "ATOCORE_DATA_DIR": str(data_dir),
            "ATOCORE_PROJECT_REGISTRY_PATH": str(CHECKOUT / "examples" / "project-registry.json"),
        }
        env.pop("ATOCORE_URL", None)
        atocore = atocore_argv()
        subprocess.run([*atocore, "init"], env=env, check=True, capture_output=True)
        subprocess.run([*atocore, "ingest"], env=env, check=True, capture_output=True)
        for mode in ("bm25", "hybrid"):
            argv = [*atocore, "context", QUERIES[0], "-p", "p05", "--mode", mode, "--json"]
            seconds = time_command(argv, runs=cold_runs, env=env, warmup=1)
            label = "baseline, no embedding" if mode == "bm25" else "query embedded"
            report.add(
                {
                    "measurement": f"cold process: atocore context --mode {mode} ({label})",
                    **summarize(seconds),
                }
            )
    report.finish(write=write, show=show)
    return report
