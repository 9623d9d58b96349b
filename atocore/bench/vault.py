"""Vault-aware retrieval on our own Obsidian-style test vault.

The vault (``tests/fixtures/obsidian-vault``, 54 notes about a garden robot,
a weather station and a workshop) comes with questions of our own, each
naming the notes that answer it, in five kinds: alias, tag, title,
link-hop (the answer is in a note linked from the one the question is
about) and multi-hop (two notes). Figures per configuration, in one run on
one ingest:

* recall@k: the share of a question's notes among the notes of the top k
  hits of ``search``;
* pack recall: the share found in a context pack of the given budget.

``baseline`` is the retriever before vault-aware retrieval (the note-fields
retriever off: chunk text, heading and title only, exactly main's ranking).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atocore.bench.harness import Report
from atocore.db.types import Connection
from atocore.errors import InvalidInput

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
VAULT = FIXTURES / "obsidian-vault"
QUESTIONS = FIXTURES / "obsidian-vault-questions.json"
KS = (1, 3, 5, 10)
DEFAULT_BUDGETS = (1000, 2000)


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    expected: tuple[str, ...]  # note paths inside the vault


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Question(q["kind"], q["question"], tuple(q["expected"])) for q in data["questions"]]


def configs() -> dict[str, tuple[Any, Any]]:
    """name -> (RetrievalParams, ContextOptions) of each configuration measured."""
    from atocore.context.builder import ContextOptions
    from atocore.retrieval.search import RetrievalParams

    baseline = RetrievalParams(note_weight=0.0, name_weight=0.0)
    vault = RetrievalParams()
    return {
        "baseline": (baseline, ContextOptions(retrieval=baseline)),
        "vault": (vault, ContextOptions(retrieval=vault)),
        "vault+links": (vault, ContextOptions(retrieval=vault, follow_links=True)),
    }


def _note(source: str, root_name: str) -> str:
    """A hit's note path inside the vault (sources carry the root's name first)."""
    head = root_name + "/"
    return source[len(head) :] if source.startswith(head) else source


def recall(expected: tuple[str, ...], found: list[str]) -> float:
    return sum(1 for note in expected if note in found) / len(expected)


def ingest(conn: Connection, vault: Path = VAULT, embedder: Embedder | None = None) -> None:
    from atocore.ingest import ingest_paths

    report = ingest_paths(conn, [vault], embedder=embedder)
    if not report.vectors.available:
        raise InvalidInput(f"vector side unavailable: {report.vectors.reason}")


def search_recall(
    conn: Connection, questions: list[Question], params: Any, embedder: Embedder, root_name: str
) -> dict[str, dict[int, float]]:
    """kind (and "all") -> k -> mean recall@k of ``search``."""
    from atocore.retrieval.search import search

    per: dict[str, dict[int, list[float]]] = {}
    for q in questions:
        hits = search(conn, q.text, top_k=max(KS), params=params, embedder=embedder).hits
        notes: list[str] = []
        for hit in hits:
            note = _note(hit.source, root_name)
            if note not in notes:
                notes.append(note)
        for kind in (q.kind, "all"):
            for k in KS:
                per.setdefault(kind, {}).setdefault(k, []).append(recall(q.expected, notes[:k]))
    return {kind: {k: sum(v) / len(v) for k, v in ks.items()} for kind, ks in per.items()}


def pack_recall(
    conn: Connection,
    questions: list[Question],
    options: Any,
    budget: int,
    embedder: Embedder,
    root_name: str,
) -> dict[str, float]:
    """kind (and "all") -> mean share of a question's notes with text in the pack."""
    from atocore.context.builder import build_context

    per: dict[str, list[float]] = {}
    for q in questions:
        pack = build_context(
            conn, q.text, budget=budget, options=options, embedder=embedder, save=False
        )
        notes = [_note(chunk.source, root_name) for chunk in pack.chunks]
        for kind in (q.kind, "all"):
            per.setdefault(kind, []).append(recall(q.expected, notes))
    return {kind: sum(v) / len(v) for kind, v in per.items()}


def search_cost(chunks: int, runs: int, report: Report) -> None:
    """Search time, baseline vs vault, on ``chunks`` chunks of real prose (stdlib
    docstrings, 10 per note, every note with a file name and a title in
    ``note_names``), one process, the two interleaved (order alternating); query
    vectors cached."""
    from atocore.bench.harness import summarize
    from atocore.bench.hooks import DOC_PROMPTS, build_corpus
    from atocore.bench.locomo import _QueryCache
    from atocore.db import open_db, transaction
    from atocore.embed import get_embedder
    from atocore.retrieval.search import search

    work = Path(tempfile.mkdtemp(prefix="atocore-vault-cost-"))
    try:
        info = build_corpus(work / "data", chunks, text="docstrings")
        conn = open_db()
        with transaction(conn):
            conn.execute(
                "INSERT OR IGNORE INTO note_names (key, kind, document_id) "
                "SELECT lower(replace(title, '-', ' ')), 1, id FROM source_documents"
            )
            conn.execute(
                "INSERT OR IGNORE INTO note_names (key, kind, document_id) "
                "SELECT replace(replace(rel_path, '.md', ''), '-', ' '), 0, id "
                "FROM source_documents"
            )
        embedder = _QueryCache(get_embedder())
        params = {name: pair[0] for name, pair in configs().items() if name != "vault+links"}
        times: dict[str, list[float]] = {name: [] for name in params}
        for prompt in DOC_PROMPTS:
            embedder.embed_query(prompt)
        for run in range(runs):
            for prompt in DOC_PROMPTS:
                # alternate which goes first: neither gets the other's warm caches always
                for name, p in sorted(params.items(), reverse=bool(run % 2)):
                    started = time.perf_counter()
                    search(conn, prompt, top_k=30, params=p, embedder=embedder)
                    times[name].append(time.perf_counter() - started)
        conn.close()
        for name, values in times.items():
            stats = summarize(values)
            report.add(
                {
                    "config": name,
                    "measure": f"search ms @{info['chunks']} chunks",
                    "all": f"min {stats['min_ms']:.1f} / p50 {stats['p50_ms']:.1f}",
                }
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(
    *,
    budgets: list[int] | tuple[int, ...] = DEFAULT_BUDGETS,
    cost_chunks: int = 0,
    runs: int = 5,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.db import open_db
    from atocore.embed import get_embedder

    questions = load_questions()
    kinds = sorted({q.kind for q in questions})
    report = Report(
        "vault",
        params={
            "vault": VAULT.name,
            "questions": len(questions),
            "budgets": list(budgets),
            "cost_chunks": cost_chunks,
            "runs": runs,
        },
        command=command,
    )
    work = Path(tempfile.mkdtemp(prefix="atocore-vault-bench-"))
    previous = os.environ.get("ATOCORE_DATA_DIR")
    os.environ["ATOCORE_DATA_DIR"] = str(work / "data")
    try:
        embedder = get_embedder()
        conn = open_db()
        ingest(conn, VAULT, embedder)
        for name, (params, options) in configs().items():
            if name != "vault+links":  # the same search as "vault"
                found = search_recall(conn, questions, params, embedder, VAULT.name)
                for k in KS:
                    row = {"config": name, "measure": f"recall@{k}", "all": found["all"][k]}
                    row.update({kind: found[kind][k] for kind in kinds})
                    report.add({key: _round(v) for key, v in row.items()})
            for budget in budgets:
                packed = pack_recall(conn, questions, options, budget, embedder, VAULT.name)
                row = {"config": name, "measure": f"pack@{budget}", "all": packed["all"]}
                row.update({kind: packed[kind] for kind in kinds})
                report.add({key: _round(v) for key, v in row.items()})
        conn.close()
        if cost_chunks:
            search_cost(cost_chunks, runs, report)
    finally:
        if previous is None:
            os.environ.pop("ATOCORE_DATA_DIR", None)
        else:
            os.environ["ATOCORE_DATA_DIR"] = previous
        shutil.rmtree(work, ignore_errors=True)
    report.note(
        "baseline: chunk text/heading/title only (note-fields retriever off, main's ranking); "
        "vault: + note titles, aliases, tags and names written in the query; "
        "vault+links: + packs pull in a linked note (ContextOptions.follow_links)"
    )
    counts = {kind: sum(q.kind == kind for q in questions) for kind in kinds}
    report.note(f"{len(questions)} questions: {counts}")
    report.finish(write=write, show=show)
    return report


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
