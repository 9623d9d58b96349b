"""Context quality on LoCoMo: evidence recall of context packs at a character budget.

``atocore bench locomo PATH``, where
PATH is a LoCoMo-format JSON file (a list of conversations with ``qa`` and
``conversation``). The data set is only read, never copied anywhere.

Method:

* every conversation becomes its own registered project whose ingest root
  is a temporary vault holding one markdown note per session (the session
  date and the speakers at the top, one paragraph per turn, ``Speaker:
  text``), ingested through the normal path (``ingest_project``);
* every question of categories 1-4 becomes a context pack for that project
  at each budget (``build_context``);
* a question's score is the share of its evidence turns whose text (with
  whitespace normalised) appears in the pack's ``formatted_context``; the
  figure is the mean over questions, overall and per category;
* ``dated`` counts an evidence turn only when its session's date is in
  the text too: what a reader needs to answer "when" from a turn that
  says "last Saturday", which the recall figure does not see.

Baselines in the same run, over the same ingested data: BM25-only and
vector-only retrieval and their plain reciprocal-rank fusion (equal
weights, k=60), each through the same pack builder; and ``raw``, the
shipped ranking without the pack (``search(top_k=50)`` texts joined by
blank lines, cut to the budget), which the pack has to beat. With
``holdout`` (conversation ids), each figure is also given for the tuning
conversations and the held-out ones separately. The ingested data dir
is shared by every configuration and budget of a run; ``--work-dir`` keeps
it between runs (the incremental ingest then skips unchanged notes).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atocore.bench.harness import Report
from atocore.db.types import Connection
from atocore.errors import InvalidInput

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
DEFAULT_BUDGETS = (1000, 2000, 4000)
CONFIGS = ("bm25", "vector", "rrf", "raw", "atocore")
RAW_TOP_K = 50
CONFIG_HELP = {
    "bm25": "BM25 only (FTS5), no neighbour spreading",
    "vector": "vector only (sqlite-vec), no neighbour spreading",
    "rrf": "plain RRF fusion of both (equal weights, k=60), no neighbour spreading",
    "raw": f"shipped ranking, no pack: top {RAW_TOP_K} hit texts joined, cut to the budget",
    "atocore": "shipped defaults (ContextOptions())",
}
_DIA = re.compile(r"D\s*(\d+)\s*:\s*(\d+)")
_SESSION = re.compile(r"^session_(\d+)$")


@dataclass
class Question:
    conversation: str
    project: str
    text: str
    category: int
    evidence: list[str]  # normalised turn texts
    dates: list[str] = field(default_factory=list)  # each evidence turn's session date


def normalise(text: str) -> str:
    """Whitespace-normalised text (the only normalisation the score applies)."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- data set


def load_dataset(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"data set not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read data set {path}: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise InvalidInput(f"{path}: expected a non-empty JSON list of conversations")
    for i, conv in enumerate(data):
        if not isinstance(conv, dict) or not isinstance(conv.get("conversation"), dict):
            raise InvalidInput(f"{path}: conversation #{i} has no 'conversation' object")
        if not isinstance(conv.get("qa"), list):
            raise InvalidInput(f"{path}: conversation #{i} has no 'qa' list")
    return data


def _sessions(conversation: dict[str, Any]) -> list[tuple[int, list[dict[str, Any]], str]]:
    out = []
    for key, turns in conversation.items():
        match = _SESSION.match(key)
        if match and isinstance(turns, list) and turns:
            number = int(match.group(1))
            out.append((number, turns, str(conversation.get(f"{key}_date_time", "")).strip()))
    return sorted(out)


def session_note(number: int, date: str, turns: list[dict[str, Any]]) -> str:
    """One session as a markdown note: title with the date, speakers, one paragraph per turn."""
    speakers = list(dict.fromkeys(str(t.get("speaker", "")).strip() for t in turns))
    lines = [f"# Session {number}" + (f" — {date}" if date else ""), ""]
    lines.append(f"Conversation between {' and '.join(s for s in speakers if s)}.")
    for turn in turns:
        text = normalise(str(turn.get("text", "")))
        caption = normalise(str(turn.get("blip_caption") or ""))
        if caption:
            text += f" [shares a photo: {caption}]"
        lines += ["", f"{str(turn.get('speaker', '')).strip()}: {text}"]
    return "\n".join(lines) + "\n"


def write_vault(conv: dict[str, Any], root: Path) -> dict[str, str]:
    """Write the conversation's session notes under ``root``; ``dia_id → turn text``."""
    root.mkdir(parents=True, exist_ok=True)
    turns_by_id: dict[str, str] = {}
    for number, turns, date in _sessions(conv["conversation"]):
        (root / f"session-{number:02d}.md").write_text(
            session_note(number, date, turns), encoding="utf-8"
        )
        for turn in turns:
            match = _DIA.search(str(turn.get("dia_id", "")))
            if match:
                turns_by_id[f"D{match.group(1)}:{match.group(2)}"] = normalise(
                    str(turn.get("text", ""))
                )
    return turns_by_id


def questions_for(
    conv: dict[str, Any],
    project: str,
    turns_by_id: dict[str, str],
    conversation: str | None = None,
) -> tuple[list[Question], int]:
    """Questions of categories 1-4 with their evidence texts; and how many were dropped.

    ``conversation`` labels them (default: the conversation's ``sample_id``)."""
    out: list[Question] = []
    dropped = 0
    dates = {
        f"D{m.group(1)}:{m.group(2)}": date
        for _, turns, date in _sessions(conv["conversation"])
        for turn in turns
        if (m := _DIA.search(str(turn.get("dia_id", ""))))
    }
    for qa in conv["qa"]:
        category = qa.get("category")
        if category not in CATEGORIES or not str(qa.get("question", "")).strip():
            continue
        evidence: list[str] = []
        evidence_dates: list[str] = []
        for raw in qa.get("evidence") or []:
            for match in _DIA.finditer(str(raw)):
                dia = f"D{match.group(1)}:{match.group(2)}"
                text = turns_by_id.get(dia)
                if text and text not in evidence:
                    evidence.append(text)
                    evidence_dates.append(normalise(dates.get(dia, "")))
        if not evidence:
            dropped += 1
            continue
        label = conversation or str(conv.get("sample_id", project))
        out.append(
            Question(label, project, str(qa["question"]), int(category), evidence, evidence_dates)
        )
    return out, dropped


def recall(question: Question, pack_text: str) -> float:
    text = normalise(pack_text)
    return sum(1 for e in question.evidence if e in text) / len(question.evidence)


def dated_recall(question: Question, pack_text: str) -> float:
    """The share of evidence turns in the text together with their session's date."""
    text = normalise(pack_text)
    found = sum(
        1
        for e, d in zip(question.evidence, question.dates, strict=True)
        if d and e in text and d in text
    )
    return found / len(question.evidence)


# --------------------------------------------------------------------------- configurations


def config_options(name: str, budget: int) -> Any:
    from atocore.context.builder import ContextOptions
    from atocore.retrieval.search import RetrievalParams

    base = ContextOptions(budget=budget)
    if name in ("atocore", "raw"):
        return base
    plain = base.retrieval.with_(
        bm25_weight=1.0,
        vector_weight=1.0,
        rrf_k=60.0,
        neighbour_weights=(),
        note_weight=0.0,
        name_weight=0.0,
    )
    mode = {"bm25": "bm25", "vector": "vector", "rrf": "hybrid"}[name]
    assert isinstance(plain, RetrievalParams)
    return base.with_(retrieval_mode=mode, retrieval=plain)


class _QueryCache:
    """The real embedder, remembering query vectors (each question is asked many times)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._queries: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def load(self, *args: Any, **kwargs: Any) -> _QueryCache:
        self._embedder.load(*args, **kwargs)
        return self

    def embed_query(self, text: str) -> Any:
        if text not in self._queries:
            self._queries[text] = self._embedder.embed_query(text)
        return self._queries[text]


# --------------------------------------------------------------------------- running


def conversation_label(conv: dict[str, Any], index: int) -> str:
    return str(conv.get("sample_id") or f"conv-{index}")


def prepare(
    data: list[dict[str, Any]],
    work_dir: Path,
    *,
    conversations: int | None = None,
    limit_questions: int | None = None,
    chunk_options: Any = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Any, list[Question], dict[str, Any]]:
    """Write the vaults, register and ingest the projects in ``work_dir``.

    Sets ``ATOCORE_DATA_DIR`` to ``work_dir/data`` for this process. Returns
    ``(conn, questions, info)``.
    """
    from atocore.db import open_db
    from atocore.ingest import ingest_project
    from atocore.projects.registry import get_registered_project, register_project

    os.environ["ATOCORE_DATA_DIR"] = str(work_dir / "data")
    os.environ.pop("ATOCORE_PROJECT_REGISTRY_PATH", None)
    conn = open_db()
    selected = data[:conversations] if conversations else data
    questions: list[Question] = []
    info: dict[str, Any] = {"conversations": [], "dropped_questions": 0, "chunks": 0, "turns": 0}
    started = time.perf_counter()
    for index, conv in enumerate(selected):
        label = conversation_label(conv, index)
        project = "locomo-" + re.sub(r"[^a-z0-9._-]+", "-", label.lower()).strip("-")
        vault = work_dir / "vaults" / project
        turns_by_id = write_vault(conv, vault)
        if get_registered_project(project) is None:
            register_project(project, ingest_roots=[{"source": str(vault)}])
        if progress:
            progress(f"ingesting {label} ({len(turns_by_id)} turns)")
        report = ingest_project(conn, project, purge_deleted=True, options=chunk_options)
        if not report.vectors.available:
            raise InvalidInput(f"vector side unavailable: {report.vectors.reason}")
        qs, dropped = questions_for(conv, project, turns_by_id, conversation=label)
        if limit_questions:
            qs = qs[:limit_questions]
        questions += qs
        info["dropped_questions"] += dropped
        info["turns"] += len(turns_by_id)
        info["conversations"].append(label)
    info["chunks"] = conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
    info["ingest_s"] = round(time.perf_counter() - started, 1)
    return conn, questions, info


def raw_ranking(conn: Connection, question: Question, options: Any, embedder: Embedder) -> str:
    """The ranking without the pack: the top hits' texts joined, cut to the budget."""
    from atocore.retrieval.search import search

    result = search(
        conn,
        question.text,
        project=question.project,
        top_k=RAW_TOP_K,
        mode=options.retrieval_mode,
        params=options.retrieval,
        embedder=embedder,
    )
    return "\n\n".join(hit.text for hit in result.hits)[: options.budget]


def pack_text(conn: Connection, question: Question, options: Any, embedder: Embedder) -> str:
    from atocore.context.builder import build_context

    pack = build_context(
        conn,
        question.text,
        project=question.project,
        options=options,
        embedder=embedder,
        save=False,
    )
    return pack.formatted_context


@dataclass
class Scored:
    question: Question
    recall: float
    dated: float
    chars: int
    seconds: float


def score_all(
    conn: Connection,
    questions: list[Question],
    options: Any,
    embedder: Embedder,
    *,
    raw: bool = False,
) -> list[Scored]:
    """Each question's recall in its pack built with ``options`` (with ``raw``, in the
    ranking cut to the budget instead)."""
    out = []
    for q in questions:
        started = time.perf_counter()
        text = (raw_ranking if raw else pack_text)(conn, q, options, embedder)
        seconds = time.perf_counter() - started
        out.append(Scored(q, recall(q, text), dated_recall(q, text), len(text), seconds))
    return out


def summarize(scored: list[Scored]) -> dict[str, Any]:
    """Mean recall, overall and per category; the dated recall (overall and of the
    temporal questions); mean characters and time per pack."""
    n = len(scored)

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    row: dict[str, Any] = {"recall": mean([s.recall for s in scored])}
    for cat, name in CATEGORIES.items():
        row[f"{cat} {name}"] = mean([s.recall for s in scored if s.question.category == cat])
    row["dated"] = mean([s.dated for s in scored])
    row["dated temporal"] = mean([s.dated for s in scored if s.question.category == 2])
    row["questions"] = n
    row["avg chars"] = round(sum(s.chars for s in scored) / n) if n else 0
    row["ms/pack"] = round(sum(s.seconds for s in scored) / n * 1000, 1) if n else None
    return row


def _splits(scored: list[Scored], holdout: list[str] | tuple[str, ...]) -> dict[str, list]:
    """All questions; with ``holdout``, also the tuning and the held-out conversations."""
    if not holdout:
        return {"all": scored}
    return {
        "all": scored,
        "tune": [s for s in scored if s.question.conversation not in holdout],
        "holdout": [s for s in scored if s.question.conversation in holdout],
    }


def run(
    path: Path,
    *,
    budgets: list[int] | tuple[int, ...] = DEFAULT_BUDGETS,
    configs: list[str] | tuple[str, ...] = CONFIGS,
    conversations: int | None = None,
    limit_questions: int | None = None,
    work_dir: Path | None = None,
    holdout: list[str] | tuple[str, ...] = (),
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.embed import get_embedder

    unknown = [c for c in configs if c not in CONFIGS]
    if unknown or not configs:
        raise InvalidInput(f"configurations must be among {', '.join(CONFIGS)}")
    data = load_dataset(path)
    known = {
        conversation_label(c, i)
        for i, c in enumerate(data[:conversations] if conversations else data)
    }
    if set(holdout) - known:
        raise InvalidInput(f"--holdout names unknown conversations: {sorted(set(holdout) - known)}")
    keep = work_dir is not None
    root = Path(tempfile.mkdtemp(prefix="atocore-locomo-")) if work_dir is None else Path(work_dir)
    root.mkdir(parents=True, exist_ok=True)
    say = (lambda text: print(f"  {text}", flush=True)) if show else None
    report = Report(
        "locomo",
        params={
            "dataset": Path(path).name,
            "budgets": list(budgets),
            "configs": list(configs),
            "conversations": conversations,
            "limit_questions": limit_questions,
            "holdout": list(holdout),
        },
        command=command,
        live=show,
    )
    try:
        conn, questions, info = prepare(
            data,
            root,
            conversations=conversations,
            limit_questions=limit_questions,
            progress=say,
        )
        if not questions:
            raise InvalidInput(f"{path}: no questions of categories 1-4 with known evidence turns")
        embedder = _QueryCache(get_embedder())
        for budget in budgets:
            for name in configs:
                scored = score_all(
                    conn, questions, config_options(name, budget), embedder, raw=name == "raw"
                )
                for split, subset in _splits(scored, holdout).items():
                    row = {"config": name, "budget": budget}
                    if holdout:
                        row["split"] = split
                    row.update(summarize(subset))
                    report.add(row)
        report.extra["data"] = info
        for name in configs:
            report.note(f"{name}: {CONFIG_HELP[name]}")
        report.note(
            f"{len(questions)} questions (categories 1-4) over {len(info['conversations'])} "
            f"conversations, {info['turns']} turns → {info['chunks']} chunks; "
            f"ingest {info['ingest_s']} s"
        )
        conn.close()
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    report.finish(write=write, show=show)
    return report
