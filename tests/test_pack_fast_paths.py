"""The pack's fast paths give exactly what the plain code gives.

Each shortcut taken for speed in the context builder and retrieval is
checked here against a straightforward version of the same step: the
packer's incremental length against ``len(render(...))``, the tokenise-once
duplicate check against the two-pass one, the query embedded on a worker
thread against the inline one, one neighbour query against one per note,
the vector-count probe against ``count(*)``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from atocore.context import builder as B
from atocore.context.blocks import ContextBlock
from atocore.ingest import ChunkOptions, ingest_all
from atocore.retrieval import search as S
from atocore.retrieval import vectors as V

# --- the packer's length ------------------------------------------------------------

KINDS = ("project_state", "entity", "memory", "chunk")


def _random_block(rng: random.Random) -> ContextBlock:
    kind = rng.choice(KINDS)
    text = " ".join(
        rng.choice(["alpha", "beta", "γάμμα", "x", ""]) for _ in range(rng.randint(0, 6))
    )
    meta: dict[str, Any] = {}
    if kind == "chunk" and rng.random() < 0.9:
        first = rng.randint(0, 8)
        meta["ordinals"] = [first, first + rng.choice([0, 0, 1, 2])]
    return ContextBlock(
        kind=kind, label=rng.choice(["a.md", "b.md › H", "c"]), text=text, meta=meta
    )


@pytest.mark.parametrize("headers", [True, False])
@pytest.mark.parametrize("group_sources", [True, False])
@pytest.mark.parametrize("project", [None, "p05-interferometer"])
def test_packer_length_is_the_rendered_length(headers, group_sources, project) -> None:
    rng = random.Random(f"{headers}{group_sources}{project}")
    for _ in range(150):
        packer = B._Packer(10**9, project, headers, group_sources)

        def rendered(blocks: list[ContextBlock]) -> int:
            return len(
                B.render(blocks, project=project, headers=headers, group_sources=group_sources)
            )

        for _ in range(rng.randint(1, 12)):
            block = _random_block(rng)
            assert packer.length_with(block) == rendered([*packer.blocks, block])
            probe = block.model_copy(update={"text": ""})
            assert packer.room_for(block) == packer.budget - rendered([*packer.blocks, probe])
            assert packer.try_add(block)
            assert packer.used == rendered(packer.blocks)


def test_packer_refuses_what_would_not_fit() -> None:
    packer = B._Packer(40, None, True)
    small = ContextBlock(kind="memory", label="m", text="short")
    assert packer.fits(small) and packer.try_add(small)
    big = ContextBlock(kind="chunk", label="a.md", text="x" * 40, meta={"ordinals": [0, 0]})
    assert not packer.fits(big) and not packer.try_add(big)
    assert packer.blocks == [small] and packer.used == len(packer.render([small]))
    assert not packer.fits(ContextBlock(kind="memory", label="m", text="more"), cap=5)


# --- duplicate checks ---------------------------------------------------------------

_W = re.compile(r"\w+")


def _plain_duplicate(seen: list[str], text: str, threshold: float) -> bool:
    """The two-pass check (normal form and word set tokenised separately)."""
    norm, words = " ".join(_W.findall(text.lower())), set(_W.findall(text.lower()))
    if not norm:
        return True
    for other in seen:
        other_norm, other_words = (
            " ".join(_W.findall(other.lower())),
            set(_W.findall(other.lower())),
        )
        if norm in other_norm:
            return True
        if len(words) >= 5 and len(words & other_words) / len(words) >= threshold:
            return True
    return False


def test_seen_answers_as_the_plain_check() -> None:
    rng = random.Random(3)
    vocab = ["Invar", "ring", "mount", "flat", "tilt", "drift", "—", "Zerodur", "9313", "ÉTÉ"]
    for _ in range(200):
        seen, added = B._Seen(0.8), []
        for _ in range(rng.randint(1, 15)):
            text = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 9)))
            expected = _plain_duplicate(added, text, 0.8)
            assert seen.duplicate(text) == expected
            if not expected and rng.random() < 0.7:
                seen.add(text)
                added.append(text)


# --- the chunk loop: what is kept for truncation ------------------------------------------


def _hit(cid: int, text: str, score: float) -> S.Hit:
    return S.Hit(
        chunk_id=cid,
        document_id=cid,
        source=f"n{cid}.md",
        path=f"/v/n{cid}.md",
        title="",
        heading="",
        text=text,
        project="p",
        ordinal=0,
        score=score,
        retrievers=["bm25"],
    )


def test_a_repeat_that_does_not_fit_is_not_kept_for_truncation(conn, monkeypatch) -> None:
    first = "alpha beta gamma delta epsilon zeta eta theta iota kappa " * 3
    repeat = first[: len(first) - 40]  # inside the first: a duplicate, and too long to fit
    other = "lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega " * 3
    hits = [_hit(1, first, 0.9), _hit(2, repeat, 0.8), _hit(3, other, 0.7)]

    def fake_search(*args: Any, **kwargs: Any) -> S.SearchResult:
        return S.SearchResult(
            query="q",
            project=None,
            mode="bm25",
            top_k=10,
            hits=hits,
            vector=S.VectorSide(available=False),
        )

    monkeypatch.setattr(S, "search", fake_search)
    # after the first chunk, room for 125 characters of one more: the repeat (131) does
    # not fit, and neither does the other one (201), which is then cut to fit
    budget = len(f"[n1.md]\n{first}") + len("\n\n[n2.md]\n") + 125
    options = B.ContextOptions(budget=budget, headers=False, retrieval_mode="bm25")
    pack = B.build_context(conn, "alpha lambda", options=options, save=False)
    assert [(c.chunk_id, c.truncated) for c in pack.chunks] == [(1, False), (3, True)]


# --- the query embedded on a worker thread ------------------------------------------------

NOTES = {
    "mount.md": "# Mount\n\nThe reference flat mount uses Invar 36 flexures because the "
    "thermal expansion matches Zerodur.",
    "vibration.md": "# Vibration\n\nA passive pneumatic table isolates the stand from the "
    "chiller pump at 14 Hz.\n\n## Log\n\nThe pump was moved to the corridor.",
    "spindle.md": "# Spindle\n\nDirect-drive BLDC spindle, run-out 3.2 um, sealed "
    "against cerium slurry.",
}


@pytest.fixture
def notes(conn, registered_project, tmp_path: Path, embedder):
    registered_project(NOTES, root=tmp_path / "vault")
    ingest_all(conn, embedder=embedder, options=ChunkOptions(group_chars=0))
    return conn


class _Inline:
    """A finished future: what the worker would hand back, computed here."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.value = func(*args)

    def result(self) -> Any:
        return self.value


@pytest.mark.parametrize("query", ["Invar flexure mount", "what isolates the pump?", "zzz"])
def test_background_embedding_gives_the_inline_hits(notes, embedder, monkeypatch, query) -> None:
    threaded = S.search(notes, query, project="p05", mode="hybrid", embedder=embedder)
    monkeypatch.setattr(S, "_Background", _Inline)
    inline = S.search(notes, query, project="p05", mode="hybrid", embedder=embedder)
    assert threaded.model_dump(exclude={"duration_ms"}) == inline.model_dump(
        exclude={"duration_ms"}
    )
    assert threaded.vector.available


def test_an_embedding_failure_on_the_worker_reaches_the_caller(notes, embedder) -> None:
    class Broken:
        model_id, dim = embedder.model_id, embedder.dim

        def load(self, **_: Any) -> Broken:
            return self

        def embed_query(self, text: str) -> Any:
            raise RuntimeError("model broke")

    with pytest.raises(RuntimeError, match="model broke"):
        S.search(notes, "Invar mount", mode="hybrid", embedder=Broken())


# --- neighbour spreading: one query for every note --------------------------------------


def _plain_spread(conn: Any, fused: dict[int, dict[str, Any]], weights: tuple[float, ...]) -> None:
    """Neighbour spreading with one window query per note (the unbatched form)."""
    reach = len(weights)
    marks = ",".join("?" * len(fused))
    found = conn.execute(
        f"SELECT id, document_id, ordinal, heading_path FROM source_chunks WHERE id IN ({marks})",
        list(fused),
    ).fetchall()
    spans: dict[int, tuple[int, int]] = {}
    for row in found:
        lo, hi = spans.get(row["document_id"], (row["ordinal"], row["ordinal"]))
        spans[row["document_id"]] = (min(lo, row["ordinal"]), max(hi, row["ordinal"]))
    at: dict[tuple[int, int], tuple[int, str]] = {}
    for doc, (lo, hi) in spans.items():
        for row in conn.execute(
            "SELECT id, ordinal, heading_path FROM source_chunks "
            "WHERE document_id = ? AND ordinal BETWEEN ? AND ?",
            (doc, lo - reach, hi + reach),
        ):
            at[(doc, row["ordinal"])] = (row["id"], row["heading_path"])
    base = {row["id"]: (row, fused[row["id"]]["score"]) for row in found}
    for row, score in base.values():
        for distance, weight in enumerate(weights, start=1):
            if weight <= 0:
                continue
            for ordinal in (row["ordinal"] - distance, row["ordinal"] + distance):
                near = at.get((row["document_id"], ordinal))
                if near is None or near[1] != row["heading_path"]:
                    continue
                entry = fused.setdefault(near[0], {"score": 0.0, "retrievers": []})
                entry["score"] += weight * score
                if not entry["retrievers"]:
                    entry["retrievers"].append("neighbour")


def test_batched_neighbour_spreading_matches_one_query_per_note(
    conn, registered_project, tmp_path, embedder
) -> None:
    rng = random.Random(5)
    notes = {}
    for n in range(6):
        sections = []
        for s in range(rng.randint(1, 3)):
            paras = [f"note {n} section {s} paragraph {p} text" for p in range(rng.randint(1, 6))]
            sections.append(f"## Part {s}\n\n" + "\n\n".join(paras))
        notes[f"n{n}.md"] = f"# Note {n}\n\n" + "\n\n".join(sections)
    registered_project(notes, project_id="p", aliases=(), root=tmp_path / "vault")
    ingest_all(conn, embedder=embedder, options=ChunkOptions(group_chars=0))
    ids = [r[0] for r in conn.execute("SELECT id FROM source_chunks")]
    assert len(ids) > 20
    for weights in [(0.5, 0.3), (0.5,), (0.0, 0.3), (0.2, 0.1, 0.05)]:
        for _ in range(20):
            picked = rng.sample(ids, rng.randint(1, 12))
            start = {cid: {"score": rng.random(), "retrievers": ["bm25"]} for cid in picked}
            fast = {k: {**v, "retrievers": list(v["retrievers"])} for k, v in start.items()}
            plain = {k: {**v, "retrievers": list(v["retrievers"])} for k, v in start.items()}
            S._spread_to_neighbours(conn, fast, weights)
            _plain_spread(conn, plain, weights)
            assert fast == plain


# --- the vector-count probe ---------------------------------------------------------------


def test_holds_at_least_answers_as_count(conn) -> None:
    assert not V.holds_at_least(conn, 1)  # no vector table yet
    assert V.holds_at_least(conn, 0)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((37, 16)).astype(np.float32)
    V.ensure_vector_table(conn, 16)
    V.upsert_vectors(conn, [(i + 1, "p", data[i]) for i in range(37)])
    V.delete_vectors(conn, [3, 4])
    count = V.count_vectors(conn)
    assert count == 35
    for n in (1, 34, 35, 36, 100):
        assert V.holds_at_least(conn, n) == (count >= n)
