"""Query embedding cost: warm per-query latency and cold-process context packs.

    .venv/bin/python bench/query_embed.py [--runs 50] [--cold-runs 5]

1. Warm, in one process: embedding one query with fastembed's
   ``query_embed`` (baseline) vs atocore's direct ONNX query encoder
   (``Embedder.embed_query``), same packaged model, same texts.
2. Cold, each a fresh process: ``atocore context`` on the example vault,
   ``--mode bm25`` (baseline: no embedding at all) vs ``--mode hybrid``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Report, summarize

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "What material did we choose for the mirror mount and why?",
    "spindle run-out after mounting the bonnet",
    "how long should the stand soak after a door opens",
    "slurry temperature and removal rate",
    "who owns the vibration isolation subsystem",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    report = Report(name="query_embed", params=vars(args))
    tmp = Path(tempfile.mkdtemp(prefix="atocore-bench-query-"))
    env = {
        **os.environ,
        "ATOCORE_DATA_DIR": str(tmp / "data"),
        "ATOCORE_PROJECT_REGISTRY_PATH": str(ROOT / "examples" / "project-registry.json"),
    }
    os.environ.update(env)

    import numpy as np

    from atocore.embed import get_embedder

    embedder = get_embedder().load()
    fastembed_model = embedder._model

    def fastembed_query(text: str) -> None:
        np.asarray(next(iter(fastembed_model.query_embed([text]))))

    for name, fn in (
        ("warm: fastembed query_embed (baseline)", fastembed_query),
        ("warm: Embedder.embed_query (direct ONNX encoder)", embedder.embed_query),
    ):
        fn(QUERIES[0])
        seconds = []
        for i in range(args.runs):
            t = time.perf_counter()
            fn(QUERIES[i % len(QUERIES)])
            seconds.append(time.perf_counter() - t)
        report.add({"measurement": name, **summarize(seconds)})

    atocore = [str(Path(sys.executable).with_name("atocore"))]
    subprocess.run([*atocore, "init"], env=env, check=True, capture_output=True)
    subprocess.run([*atocore, "ingest"], env=env, check=True, capture_output=True)
    for mode in ("bm25", "hybrid"):
        cmd = [*atocore, "context", QUERIES[0], "-p", "p05", "--mode", mode, "--json"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # untimed warm-up
        seconds = []
        for _ in range(args.cold_runs):
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            seconds.append(time.perf_counter() - t)
        label = "baseline, no embedding" if mode == "bm25" else "query embedded"
        report.add(
            {
                "measurement": f"cold process: atocore context --mode {mode} ({label})",
                **summarize(seconds),
            }
        )
    report.note(f"load average at end: {os.getloadavg()[0]:.1f}")
    report.finish()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
