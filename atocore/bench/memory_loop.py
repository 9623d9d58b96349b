"""Reflection-loop hot paths: the memory slot of a pack and reinforcement.

For each size, a fresh data dir gets that many active memories through
``create_memory`` (12 words each from a 5,000-word vocabulary, half in
project p05, half global). Measured per call, in one process:

* ``memory_blocks``: the pack's memory slot for a short prompt (600 chars);
* ``reinforce``: reinforcement of a 200-word response;
* baseline ``full scan``: what both did before the token index — read every
  active memory in scope and tokenize it in Python (tokenizer cache cleared
  before each call, as in a fresh process), then compute the overlaps.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, scratch_data_dir, summarize, time_each
from atocore.db.types import Connection

WORDS = "mirror lens pad support thermal frame invar zerodur laser stand".split()


def _fill(conn: Connection, n: int, seed: int = 7) -> None:
    from atocore.db import transaction
    from atocore.memory.service import create_memory

    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)] + WORDS
    with transaction(conn):
        for i in range(n):
            content = " ".join(rng.choice(vocab) for _ in range(12)) + f" n{i}"
            create_memory(conn, "knowledge", content, project="p05" if i % 2 else "")


def _full_scan(conn: Connection, text: str) -> int:
    from atocore.memory import tokens as tok

    tok.token_set.cache_clear()
    tok.stem.cache_clear()
    wanted = tok.token_set(text)
    rows = conn.execute(
        "SELECT id, content FROM memories WHERE status = 'active' "
        "AND (project = 'p05' OR project = '')"
    ).fetchall()
    hits = 0
    for row in rows:
        mine = tok.token_set(row["content"])
        if mine and len(mine & wanted) / len(mine) > 0:
            hits += 1
    return hits


def run(
    *,
    sizes: list[int] | tuple[int, ...] = (100, 1000, 10_000),
    runs: int = 20,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    report = Report("memory-loop", params={"sizes": list(sizes), "runs": runs}, command=command)
    prompt = "which pad supports the mirror thermal frame?"
    response = " ".join(random.Random(1).choice(WORDS + ["the", "and"]) for _ in range(200))
    for n in sizes:
        with (
            tempfile.TemporaryDirectory(prefix="atocore-bench-mem-") as tmp,
            scratch_data_dir(Path(tmp)),
        ):
            _measure(report, n, runs, prompt, response)
    report.note(
        "tokenizer caches cleared before every call (cold-process conditions); "
        "delta=0 keeps confidences unchanged between runs"
    )
    report.finish(write=write, show=show)
    return report


def _measure(report: Report, n: int, runs: int, prompt: str, response: str) -> None:
    from atocore.db import open_db
    from atocore.memory import tokens as tok
    from atocore.memory.context import memory_blocks
    from atocore.memory.reinforcement import reinforce_from_text
    from atocore.projects.registry import register_project

    conn = open_db()
    try:
        register_project("p05")  # writes need a known project
        _fill(conn, n)

        def cold(fn: Callable[[Connection], Any]) -> Callable[[Any], Any]:
            def call(_: Any) -> Any:
                tok.token_set.cache_clear()
                tok.stem.cache_clear()
                return fn(conn)

            return call

        cases = [
            ("full scan, prompt (baseline)", cold(lambda c: _full_scan(c, prompt))),
            ("memory_blocks", cold(lambda c: memory_blocks(c, "p05", prompt, 600))),
            ("full scan, response (baseline)", cold(lambda c: _full_scan(c, response))),
            (
                "reinforce",
                cold(lambda c: reinforce_from_text(c, response, project="p05", delta=0)),
            ),
        ]
        for name, fn in cases:
            seconds, _ = time_each(fn, range(runs))
            report.add({"memories": n, "operation": name, **summarize(seconds)})
    finally:
        conn.close()
