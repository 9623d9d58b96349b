"""The context pack: the best text for a prompt inside a character budget.

Layers are filled in trust order, each from its own provider:

1. trusted project state (:mod:`atocore.context.project_state`), capped at
   ``state_share`` of the budget;
2. engineering entities (``atocore.engineering.context.entity_blocks``);
3. active memories (``atocore.memory.context.memory_blocks``);
4. retrieved source chunks (:func:`atocore.retrieval.search.search`) in
   whatever budget is left.

A layer's unused share flows to the layers below it. The rendered pack
(headers and labels included) never exceeds the budget; a chunk whose text
is already in the pack (or nearly so) is left out. Every knob is a field of
:class:`ContextOptions`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from atocore.config import get_settings
from atocore.context.blocks import ContextBlock
from atocore.errors import InvalidInput, NotFound
from atocore.projects.registry import detect_project, resolve_project_name
from atocore.retrieval.search import MODES, RetrievalParams, VectorSide

LAST_PACK_FILE = "last-context.json"
ELLIPSIS = " …"

SECTION_TITLES = {
    "project_state": "## Trusted project state{project}",
    "entity": "## Engineering entities",
    "memory": "## Memories",
    "chunk": "## Retrieved notes",
}
TRUST_ORDER = ("project_state", "entity", "memory", "chunk")


@dataclass(frozen=True)
class ContextOptions:
    """Context-pack knobs (defaults are the shipped behaviour)."""

    budget: int = 3000
    state_share: float = 0.25  # most of the budget project state may take
    entity_share: float = 0.2
    memory_share: float = 0.2
    retrieval_mode: str = "hybrid"  # hybrid | bm25 | vector
    top_k: int = 30  # chunks retrieved before fitting (at least; see hits_per_1000_chars)
    hits_per_1000_chars: int = 15  # bigger budgets retrieve more candidates to fill them
    neighbours: int = 0  # adjacent chunks of the same note added around each hit
    truncate: bool = True  # cut the best chunk that did not fit into what room is left
    min_truncated_chars: int = 120  # ...but only if at least this much of it fits
    dedupe_threshold: float = 0.8  # word-set overlap above which a chunk is a duplicate
    headers: bool = True  # section headers in the formatted pack
    group_sources: bool = True  # chunks with the same label share one label, in note order
    follow_links: bool = False  # a top hit's linked note joins the pack (context/links.py)
    retrieval: RetrievalParams = field(default_factory=RetrievalParams)

    def with_(self, **changes: Any) -> ContextOptions:
        return replace(self, **changes)


class ChunkUsed(BaseModel):
    chunk_id: int
    source: str
    heading: str
    score: float
    retrievers: list[str]
    project: str
    chars: int
    truncated: bool = False
    neighbours: list[int] = Field(default_factory=list)


class ContextPack(BaseModel):
    prompt: str
    project: str | None
    project_detected: bool = False
    budget: int
    chars_used: int
    formatted_context: str
    blocks: list[ContextBlock]
    chunks: list[ChunkUsed]
    layers: dict[str, int]  # chars per layer (rendered)
    retrieval_mode: str
    vector: VectorSide
    warnings: list[str] = Field(default_factory=list)
    duration_ms: float
    created_at: str


# --- rendering -----------------------------------------------------------------


def _render_block(block: ContextBlock) -> str:
    if block.kind in ("project_state", "memory"):
        return f"- {block.text}"
    return f"[{block.label}]\n{block.text}"


GAP = "\n…\n"  # between two non-adjacent chunks of one group
PART_SEP = "\n\n"  # between the parts of the chunk section, and between sections


def _span(block: ContextBlock) -> tuple[int, int] | None:
    span = block.meta.get("ordinals")
    return (int(span[0]), int(span[1])) if span else None


def _render_group(label: str, members: list[ContextBlock]) -> str:
    """The chunk blocks sharing ``label``, in note order under the label once."""
    if any(_span(b) is None for b in members):
        return PART_SEP.join(_render_block(b) for b in members)
    members = sorted(members, key=lambda b: _span(b) or (0, 0))
    text = members[0].text
    for prev, block in zip(members, members[1:], strict=False):
        adjacent = (_span(block) or (0, 0))[0] == (_span(prev) or (0, 0))[1] + 1
        text += ("\n\n" if adjacent else GAP) + block.text
    return f"[{label}]\n{text}"


def _render_grouped(blocks: list[ContextBlock]) -> str:
    """Chunk blocks sharing a label under that label once, in note order.

    Groups keep the order of their best (first) block; inside a group the
    chunks follow the note, ``…`` marking a gap between non-adjacent ones.
    """
    groups: dict[str, list[ContextBlock]] = {}
    for block in blocks:
        groups.setdefault(block.label, []).append(block)
    return PART_SEP.join(_render_group(label, members) for label, members in groups.items())


def _separator(kind: str) -> str:
    return "\n" if kind in ("project_state", "memory") else "\n\n"


def _title(kind: str, project: str | None) -> str:
    return SECTION_TITLES[kind].format(project=f" ({project})" if project else "")


def render(
    blocks: list[ContextBlock],
    *,
    project: str | None = None,
    headers: bool = True,
    group_sources: bool = True,
) -> str:
    """The formatted pack text for ``blocks`` (already in trust order)."""
    sections: list[str] = []
    for kind in TRUST_ORDER:
        mine = [b for b in blocks if b.kind == kind]
        if not mine:
            continue
        if kind == "chunk" and group_sources:
            body = _render_grouped(mine)
        else:
            body = _separator(kind).join(_render_block(b) for b in mine)
        if headers:
            body = f"{_title(kind, project)}\n{body}"
        sections.append(body)
    return PART_SEP.join(sections)


# --- de-duplication ------------------------------------------------------------------

_WORDS = re.compile(r"\w+")


class _Seen:
    """Texts already in the pack, for overlap checks.

    A text is compared by its normal form (its lowercase words joined by
    spaces) and its word set, both from one tokenisation, remembered for the
    pack's lifetime: a text that passes the check is the one added next.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.texts: list[tuple[str, set[str]]] = []
        self._features: dict[str, tuple[str, set[str]]] = {}

    def _of(self, text: str) -> tuple[str, set[str]]:
        found = self._features.get(text)
        if found is None:
            words = _WORDS.findall(text.lower())
            found = self._features[text] = (" ".join(words), set(words))
        return found

    def add(self, text: str) -> None:
        self.texts.append(self._of(text))

    def duplicate(self, text: str) -> bool:
        norm, words = self._of(text)
        if not norm:
            return True
        for other_norm, other_words in self.texts:
            if norm in other_norm:
                return True
            if (
                len(words) >= 5
                and words
                and len(words & other_words) / len(words) >= self.threshold
            ):
                return True
        return False


# --- the builder -------------------------------------------------------------------


class _Packer:
    """Adds blocks while the rendered pack fits the budget.

    The length a block would bring the pack to is worked out from the
    rendered pieces already kept (one per block, or one per label group of
    chunks), re-rendering only the piece the block joins: the same
    helpers as :func:`render`, so the sum equals ``len(render(...))``.
    """

    def __init__(
        self, budget: int, project: str | None, headers: bool, group_sources: bool = True
    ) -> None:
        self.budget = budget
        self.project = project
        self.headers = headers
        self.group_sources = group_sources
        self.blocks: list[ContextBlock] = []
        self.used = 0
        self._pieces: dict[str, dict[Any, str]] = {}  # kind -> key -> rendered piece
        self._groups: dict[str, list[ContextBlock]] = {}  # chunk label -> its blocks
        self._sections: dict[str, int] = {}  # kind -> rendered section length

    def render(self, blocks: list[ContextBlock]) -> str:
        return render(
            blocks, project=self.project, headers=self.headers, group_sources=self.group_sources
        )

    def _piece(self, block: ContextBlock) -> tuple[Any, str]:
        """``(key, rendered piece)`` of the section of ``block.kind`` once it is added."""
        if block.kind == "chunk" and self.group_sources:
            members = [*self._groups.get(block.label, []), block]
            return ("group", block.label), _render_group(block.label, members)
        return ("block", len(self.blocks)), _render_block(block)

    def _section_length(self, kind: str, pieces: dict[Any, str]) -> int:
        length = sum(len(p) for p in pieces.values())
        length += len(_separator(kind)) * (len(pieces) - 1)
        if self.headers:
            length += len(_title(kind, self.project)) + 1
        return length

    def _with(self, block: ContextBlock) -> tuple[int, dict[Any, str], int]:
        """``(pack length, pieces of its section, section length)`` with ``block`` added."""
        key, piece = self._piece(block)
        pieces = {**self._pieces.get(block.kind, {}), key: piece}
        section = self._section_length(block.kind, pieces)
        sections = {**self._sections, block.kind: section}
        return sum(sections.values()) + len(PART_SEP) * (len(sections) - 1), pieces, section

    def length_with(self, block: ContextBlock) -> int:
        """Length of the rendered pack with ``block`` added."""
        return self._with(block)[0]

    def room_for(self, block: ContextBlock) -> int:
        """Characters of ``block.text`` that would still fit (may be negative)."""
        probe = block.model_copy(update={"text": ""})
        return self.budget - self.length_with(probe)

    def fits(self, block: ContextBlock, cap: int | None = None, start: int = 0) -> bool:
        """Whether ``block`` keeps the pack in budget and the layer (begun at ``start``)
        under ``cap``."""
        length = self.length_with(block)
        return length <= self.budget and (cap is None or length - start <= cap)

    def try_add(self, block: ContextBlock, cap: int | None = None, start: int = 0) -> bool:
        """Add if the pack stays in budget and the layer (begun at ``start``) under ``cap``."""
        length, pieces, section = self._with(block)
        if length > self.budget:
            return False
        if cap is not None and length - start > cap:
            return False
        if block.kind == "chunk" and self.group_sources:
            self._groups.setdefault(block.label, []).append(block)
        self._pieces[block.kind] = pieces
        self._sections[block.kind] = section
        self.blocks.append(block)
        self.used = length
        return True


def _truncate(text: str, room: int) -> str:
    if room <= len(ELLIPSIS):
        return ""
    cut = text[: room - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > len(cut) * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _state_blocks(conn: Any, project: str) -> list[ContextBlock]:
    from atocore.context.project_state import get_state

    return [
        ContextBlock(
            kind="project_state",
            label=f"state {e.category}/{e.key}",
            text=f"[{e.category}] {e.key}: {e.value}",
            source=e.id,
            score=e.confidence,
            meta={"category": e.category, "key": e.key, "source": e.source},
        )
        for e in get_state(conn, project)
    ]


def _provider_blocks(
    name: str, func: Any, conn: Any, project: str, prompt: str, budget: int, warnings: list[str]
) -> list[ContextBlock]:
    if budget <= 0:
        return []
    try:
        return list(func(conn, project, prompt, budget))
    except Exception as exc:  # noqa: BLE001 - one broken layer must not sink the pack
        warnings.append(f"{name} layer failed and was left out: {type(exc).__name__}: {exc}")
        return []


def _neighbour_text(
    conn: Any, hit: Any, n: int, taken: set[int]
) -> tuple[str, list[int], tuple[int, int]]:
    """The hit's text with up to ``n`` adjacent chunks of its note on each side.

    Returns the text, the neighbours' chunk ids and the (first, last)
    ordinals covered; the run stops at a chunk already in the pack.
    """
    rows = conn.execute(
        "SELECT id, ordinal, text FROM source_chunks WHERE document_id = ? "
        "AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
        (hit.document_id, hit.ordinal - n, hit.ordinal + n),
    ).fetchall()
    before = [r for r in rows if r["ordinal"] < hit.ordinal]
    after = [r for r in rows if r["ordinal"] > hit.ordinal]
    run: list[Any] = []
    first = hit.ordinal
    for row in reversed(before):  # contiguous only: stop at a gap or a taken chunk
        if row["id"] in taken or row["ordinal"] != first - 1:
            break
        run.insert(0, row)
        first = row["ordinal"]
    lead = len(run)
    last = hit.ordinal
    for row in after:
        if row["id"] in taken or row["ordinal"] != last + 1:
            break
        run.append(row)
        last = row["ordinal"]
    parts = [r["text"] for r in run[:lead]] + [hit.text] + [r["text"] for r in run[lead:]]
    return "\n\n".join(parts), [r["id"] for r in run], (first, last)


def resolve_pack_project(prompt: str, project: str | None) -> tuple[str | None, bool]:
    """``(canonical project or None, detected?)``; ``"auto"`` detects from the prompt."""
    if project is not None and project.strip().lower() == "auto":
        found = detect_project(prompt)
        return (found.id if found else None), found is not None
    return resolve_project_name(project) or None, False


def build_context(
    conn: Any,
    prompt: str,
    *,
    project: str | None = None,
    budget: int | None = None,
    options: ContextOptions | None = None,
    embedder: Any = None,
    save: bool = True,
) -> ContextPack:
    """Build the context pack for ``prompt`` (``project`` may be an alias or ``"auto"``)."""
    started = time.perf_counter()
    options = options or ContextOptions()
    if budget is not None:
        options = options.with_(budget=budget)
    if not prompt or not prompt.strip():
        raise InvalidInput("prompt must be non-empty")
    if options.budget < 1:
        raise InvalidInput(f"budget must be a positive number of characters, got {options.budget}")
    if options.retrieval_mode not in MODES:
        raise InvalidInput(
            f"invalid retrieval mode {options.retrieval_mode!r}; choose one of: {', '.join(MODES)}"
        )
    for name in ("state_share", "entity_share", "memory_share"):
        if not 0.0 <= getattr(options, name) <= 1.0:
            raise InvalidInput(f"{name} must be between 0 and 1")
    project, detected = resolve_pack_project(prompt, project)
    warnings: list[str] = []
    packer = _Packer(options.budget, project, options.headers, options.group_sources)
    seen = _Seen(options.dedupe_threshold)
    layers = dict.fromkeys(TRUST_ORDER, 0)

    def fill(kind: str, blocks: list[ContextBlock], cap: int) -> None:
        before = packer.used
        for block in blocks:
            # a block that does not fit is left out whether it repeats or not
            if not packer.fits(block, cap=cap, start=before):
                continue
            # curated state entries are distinct by key; lower layers are checked for repeats
            if kind != "project_state" and seen.duplicate(block.text):
                continue
            if packer.try_add(block, cap=cap, start=before):
                seen.add(block.text)
        layers[kind] = packer.used - before

    # 1. trusted project state
    if project:
        fill(
            "project_state", _state_blocks(conn, project), int(options.budget * options.state_share)
        )
    # 2. engineering entities, 3. memories
    from atocore.engineering.context import entity_blocks
    from atocore.memory.context import memory_blocks

    for kind, name, func, share in (
        ("entity", "engineering entity", entity_blocks, options.entity_share),
        ("memory", "memory", memory_blocks, options.memory_share),
    ):
        cap = min(int(options.budget * share), options.budget - packer.used)
        blocks = _provider_blocks(name, func, conn, project or "", prompt, cap, warnings)
        fill(kind, blocks, cap)

    # 4. retrieved chunks in the rest
    from atocore.retrieval.search import search

    top_k = max(options.top_k, -(-options.budget * options.hits_per_1000_chars // 1000))
    result = search(
        conn,
        prompt,
        project=project,
        top_k=top_k,
        mode=options.retrieval_mode,
        params=options.retrieval,
        embedder=embedder,
    )
    warnings.extend(result.warnings)
    chunks_used: list[ChunkUsed] = []
    taken: set[int] = set()
    before = packer.used
    leftover: tuple[Any, ContextBlock, list[int]] | None = None  # best hit that did not fit

    def use(hit: Any, block: ContextBlock, extra: list[int], truncated: bool) -> None:
        seen.add(block.text)
        taken.add(hit.chunk_id)
        taken.update(extra)
        chunks_used.append(
            ChunkUsed(
                chunk_id=hit.chunk_id,
                source=hit.source,
                heading=hit.heading,
                score=hit.score,
                retrievers=hit.retrievers,
                project=hit.project,
                chars=len(block.text),
                truncated=truncated,
                neighbours=extra,
            )
        )

    hits = result.hits
    if options.follow_links:
        from atocore.context.links import with_linked_notes

        hits = with_linked_notes(conn, hits)
    for hit in hits:
        if hit.chunk_id in taken:
            continue
        text, extra, span = hit.text, [], (hit.ordinal, hit.ordinal)
        if options.neighbours > 0:
            text, extra, span = _neighbour_text(conn, hit, options.neighbours, taken)
        label = hit.source + (f" › {hit.heading}" if hit.heading else "")
        block = ContextBlock(
            kind="chunk",
            label=label,
            text=text,
            source=hit.path,
            score=hit.score,
            meta={
                "chunk_id": hit.chunk_id,
                "heading": hit.heading,
                "project": hit.project,
                "ordinals": list(span),
            },
        )
        fits = packer.fits(block)
        if not fits and leftover is not None:
            continue  # neither added nor kept for truncation, repeat or not
        if seen.duplicate(text):
            continue
        if fits:
            packer.try_add(block)
            use(hit, block, extra, truncated=False)
        else:
            # keep looking for whole chunks that fit; the best one that did not
            # may still be cut into whatever room is left at the end
            leftover = (hit, block, extra)
    if leftover is not None and options.truncate:
        hit, block, extra = leftover
        room = packer.room_for(block)
        if (
            room >= options.min_truncated_chars
            and hit.chunk_id not in taken
            and not taken.intersection(extra)
        ):
            block.text = _truncate(block.text, room)
            block.meta["truncated"] = True
            if block.text and packer.try_add(block):
                use(hit, block, extra, truncated=True)
    layers["chunk"] = packer.used - before

    formatted = packer.render(packer.blocks)
    assert len(formatted) == packer.used <= options.budget
    pack = ContextPack(
        prompt=prompt,
        project=project,
        project_detected=detected,
        budget=options.budget,
        chars_used=len(formatted),
        formatted_context=formatted,
        blocks=packer.blocks,
        chunks=chunks_used,
        layers=layers,
        retrieval_mode=options.retrieval_mode,
        vector=result.vector,
        warnings=warnings,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if save:
        save_last_pack(pack)
    return pack


# --- the last pack (debugging) -------------------------------------------------------


def last_pack_path() -> Path:
    return get_settings().data_dir / LAST_PACK_FILE


def save_last_pack(pack: ContextPack) -> None:
    """Keep the pack for ``atocore context --last``; a failure here never fails a build."""
    path = last_pack_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".last-context-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(pack.model_dump_json(indent=2))
        os.replace(tmp, path)
    except OSError:
        pass


def load_last_pack() -> ContextPack:
    path = last_pack_path()
    if not path.exists():
        raise NotFound("no context pack built yet in this data dir (run `atocore context`)")
    try:
        return ContextPack.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"the saved context pack {path} is unreadable: {exc}") from exc
