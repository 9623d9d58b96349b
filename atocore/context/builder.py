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
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, computed_field

from atocore.config import get_settings
from atocore.context.blocks import ContextBlock
from atocore.context.compress import fit, term_weights
from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound
from atocore.ingest.chunker import HEADING_SEPARATOR
from atocore.projects.known import require_known_project
from atocore.projects.registry import detect_project
from atocore.retrieval.query import MAX_QUERY_CHARS, query_text
from atocore.retrieval.search import MODES, RetrievalParams, VectorSide

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

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
    headers: bool = True  # section headers in the formatted pack (when it has several)
    group_sources: bool = True  # chunks with the same label share one label, in note order
    follow_links: bool = False  # a top hit's linked note joins the pack (context/links.py)
    retrieval: RetrievalParams = field(default_factory=RetrievalParams)

    def with_(self, **changes: Any) -> ContextOptions:
        return replace(self, **changes)


CHARS_PER_TOKEN = 4  # a rough estimate for English prose and BPE tokenizers


def estimate_tokens(chars: int) -> int:
    """Tokens an LLM will likely count for ``chars`` characters (an estimate)."""
    return -(-chars // CHARS_PER_TOKEN)


def chars_for_tokens(tokens: int) -> int:
    """The character budget that holds about ``tokens`` tokens."""
    return tokens * CHARS_PER_TOKEN


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

    # the reference system's names, for clients written against it
    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_file(self) -> str:
        return self.source

    @computed_field  # type: ignore[prop-decorator]
    @property
    def heading_path(self) -> str:
        return self.heading


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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def estimated_tokens(self) -> int:
        """The pack's size in tokens, estimated (``CHARS_PER_TOKEN``)."""
        return estimate_tokens(self.chars_used)

    # the reference system's names, for clients written against it
    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_chars(self) -> int:
        return self.chars_used

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunks_used(self) -> int:
        return len(self.chunks)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def budget_remaining(self) -> int:
        return self.budget - self.chars_used


# --- rendering -----------------------------------------------------------------


def chunk_label(title: str, heading: str, source: str) -> str:
    """A chunk's label: its note's title and its own heading, no path.

    The title (a date for a daily note) tells the reader what the text is;
    the folder path and file name rarely do and cost a tenth of a small
    pack. A note without a title falls back to its file name.
    """
    name = title.strip() or PurePosixPath(source.replace("\\", "/")).stem or source
    leaf = heading.split(HEADING_SEPARATOR)[-1].strip() if heading else ""
    return f"{name} › {leaf}" if leaf and leaf not in name else name


def _render_block(block: ContextBlock) -> str:
    if block.kind in ("project_state", "memory"):
        return f"- {block.text}"
    return f"[{block.label}]\n{block.text}"


GAP = "\n…\n"  # between two non-adjacent chunks of one group
PART_SEP = "\n\n"  # between the parts of the chunk section, and between sections


def _span(block: ContextBlock) -> tuple[int, int] | None:
    span = block.meta.get("ordinals")
    return (int(span[0]), int(span[1])) if span else None


def _group_key(block: ContextBlock) -> str:
    """Chunks of one note section share a label; two notes with one title do not."""
    return str(block.meta.get("group", block.label))


def _render_group(members: list[ContextBlock]) -> str:
    """Chunk blocks of one group in note order under their label once."""
    if any(_span(b) is None for b in members):
        return PART_SEP.join(_render_block(b) for b in members)
    members = sorted(members, key=lambda b: _span(b) or (0, 0))
    text = members[0].text
    for prev, block in zip(members, members[1:], strict=False):
        adjacent = (_span(block) or (0, 0))[0] == (_span(prev) or (0, 0))[1] + 1
        text += ("\n\n" if adjacent else GAP) + block.text
    return f"[{members[0].label}]\n{text}"


def _render_grouped(blocks: list[ContextBlock]) -> str:
    """Chunk blocks of one note section under its label once, in note order.

    Groups keep the order of their best (first) block; inside a group the
    chunks follow the note, ``…`` marking a gap between non-adjacent ones.
    """
    groups: dict[str, list[ContextBlock]] = {}
    for block in blocks:
        groups.setdefault(_group_key(block), []).append(block)
    return PART_SEP.join(_render_group(members) for members in groups.values())


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
    """The formatted pack text for ``blocks`` (already in trust order).

    Section headers separate the trust levels; a pack of one section has
    nothing to separate and goes without (its labels name the sources).
    """
    bodies: dict[str, str] = {}
    for kind in TRUST_ORDER:
        mine = [b for b in blocks if b.kind == kind]
        if not mine:
            continue
        if kind == "chunk" and group_sources:
            bodies[kind] = _render_grouped(mine)
        else:
            bodies[kind] = _separator(kind).join(_render_block(b) for b in mine)
    if headers and len(bodies) > 1:
        return PART_SEP.join(f"{_title(kind, project)}\n{body}" for kind, body in bodies.items())
    return PART_SEP.join(bodies.values())


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
    rendered pieces already kept (one per block, or one per group of
    chunks), re-rendering only the piece the block joins: the same helpers
    as :func:`render`, so the sum equals ``len(render(...))``.
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
        self._groups: dict[str, list[ContextBlock]] = {}  # chunk group key -> its blocks
        self._bodies: dict[str, int] = {}  # kind -> rendered section length, header aside

    def render(self, blocks: list[ContextBlock]) -> str:
        return render(
            blocks, project=self.project, headers=self.headers, group_sources=self.group_sources
        )

    def _piece(self, block: ContextBlock) -> tuple[Any, str]:
        """``(key, rendered piece)`` of the section of ``block.kind`` once it is added."""
        if block.kind == "chunk" and self.group_sources:
            key = _group_key(block)
            return ("group", key), _render_group([*self._groups.get(key, []), block])
        return ("block", len(self.blocks)), _render_block(block)

    def _length(self, bodies: dict[str, int]) -> int:
        """Length of a pack whose sections' bodies have these lengths (headers added)."""
        length = sum(bodies.values()) + len(PART_SEP) * (len(bodies) - 1)
        if self.headers and len(bodies) > 1:
            length += sum(len(_title(kind, self.project)) + 1 for kind in bodies)
        return length

    def _with(self, block: ContextBlock) -> tuple[int, dict[Any, str], int]:
        """``(pack length, pieces of its section, section body length)`` with ``block``."""
        key, piece = self._piece(block)
        pieces = {**self._pieces.get(block.kind, {}), key: piece}
        body = sum(len(p) for p in pieces.values())
        body += len(_separator(block.kind)) * (len(pieces) - 1)
        return self._length({**self._bodies, block.kind: body}), pieces, body

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
        length, pieces, body = self._with(block)
        if length > self.budget:
            return False
        if cap is not None and length - start > cap:
            return False
        if block.kind == "chunk" and self.group_sources:
            self._groups.setdefault(_group_key(block), []).append(block)
        self._pieces[block.kind] = pieces
        self._bodies[block.kind] = body
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


def _state_blocks(conn: Connection, project: str) -> list[ContextBlock]:
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
    name: str,
    func: Any,
    conn: Connection,
    project: str,
    prompt: str,
    budget: int,
    warnings: list[str],
) -> list[ContextBlock]:
    if budget <= 0:
        return []
    try:
        return list(func(conn, project, prompt, budget))
    except Exception as exc:  # noqa: BLE001 - one broken layer must not sink the pack
        warnings.append(f"{name} layer failed and was left out: {type(exc).__name__}: {exc}")
        return []


def _neighbour_text(
    conn: Connection, hit: Any, n: int, taken: set[int]
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


def resolve_pack_project(
    conn: Connection, prompt: str, project: str | None
) -> tuple[str | None, bool]:
    """``(canonical project or None, detected?)``; ``"auto"`` detects from the prompt."""
    if project is not None and project.strip().lower() == "auto":
        found = detect_project(prompt)
        return (found.id if found else None), found is not None
    return require_known_project(conn, project, for_write=False) or None, False


def _checked_options(
    prompt: str, options: ContextOptions | None, budget: int | None
) -> ContextOptions:
    """The options to build with (``budget`` overriding theirs), or :class:`InvalidInput`."""
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
    return options


class _Pack:
    """A pack being filled: what is in it, what it repeats, what each layer used."""

    def __init__(self, options: ContextOptions, project: str | None) -> None:
        self.options = options
        self.packer = _Packer(options.budget, project, options.headers, options.group_sources)
        self.seen = _Seen(options.dedupe_threshold)
        self.layers = dict.fromkeys(TRUST_ORDER, 0)
        self.warnings: list[str] = []
        self.chunks: list[ChunkUsed] = []
        self.taken: set[int] = set()  # chunk ids in the pack, neighbours included

    def fill(self, kind: str, blocks: list[ContextBlock], cap: int) -> None:
        """Add ``blocks`` in order while they fit in the budget and the layer's ``cap``."""
        before = self.packer.used
        for block in blocks:
            # a block that does not fit is left out whether it repeats or not
            if not self.packer.fits(block, cap=cap, start=before):
                continue
            # curated state entries are distinct by key; lower layers are checked for repeats
            if kind != "project_state" and self.seen.duplicate(block.text):
                continue
            if self.packer.try_add(block, cap=cap, start=before):
                self.seen.add(block.text)
        self.layers[kind] = self.packer.used - before

    def use(self, hit: Any, block: ContextBlock, extra: list[int], truncated: bool) -> None:
        """Record a chunk block just added for ``hit`` (with neighbours ``extra``)."""
        self.seen.add(block.text)
        self.taken.add(hit.chunk_id)
        self.taken.update(extra)
        self.chunks.append(
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


def _fill_curated(conn: Connection, pack: _Pack, project: str | None, prompt: str) -> None:
    """Layers 1-3: trusted project state, engineering entities, memories."""
    from atocore.engineering.context import entity_blocks
    from atocore.memory.context import memory_blocks

    options = pack.options
    if project:
        cap = int(options.budget * options.state_share)
        pack.fill("project_state", _state_blocks(conn, project), cap)
    for kind, name, func, share in (
        ("entity", "engineering entity", entity_blocks, options.entity_share),
        ("memory", "memory", memory_blocks, options.memory_share),
    ):
        cap = min(int(options.budget * share), options.budget - pack.packer.used)
        blocks = _provider_blocks(name, func, conn, project or "", prompt, cap, pack.warnings)
        pack.fill(kind, blocks, cap)


def _chunk_block(conn: Connection, hit: Any, pack: _Pack) -> tuple[ContextBlock, list[int]]:
    """``hit`` as a block (with its neighbours when asked), and the neighbours' ids."""
    text, extra, span = hit.text, list[int](), (hit.ordinal, hit.ordinal)
    if pack.options.neighbours > 0:
        text, extra, span = _neighbour_text(conn, hit, pack.options.neighbours, pack.taken)
    block = ContextBlock(
        kind="chunk",
        label=chunk_label(hit.title, hit.heading, hit.source),
        text=text,
        source=hit.path,
        score=hit.score,
        meta={
            "chunk_id": hit.chunk_id,
            "heading": hit.heading,
            "project": hit.project,
            "ordinals": list(span),
            "group": f"{hit.document_id}:{hit.heading}",
        },
    )
    return block, extra


def _fill_chunks(conn: Connection, pack: _Pack, hits: list[Any], prompt: str) -> None:
    """Layer 4: chunks in rank order, skipping repeats, until one does not fit.

    If at least ``min_truncated_chars`` of it would fit, it is cut into the
    room left and the pack is full (a lower-ranked chunk is less likely to
    hold what the prompt asks for than the start of a better one); if less
    would, smaller chunks further down fill the room, and the best chunk
    that did not fit is cut into whatever is left at the end. The cut keeps
    the chunk's whole parts that weigh most for the prompt when one fits
    (:func:`atocore.context.compress.fit`).
    """
    before = pack.packer.used
    cut_at = pack.options.min_truncated_chars
    leftover: tuple[Any, ContextBlock, list[int]] | None = None
    looked = 0
    for hit in hits:
        looked += 1
        if hit.chunk_id in pack.taken:
            continue
        block, extra = _chunk_block(conn, hit, pack)
        fits = pack.packer.fits(block)
        if not fits and leftover is not None:
            continue  # neither added nor kept for truncation, repeat or not
        if pack.seen.duplicate(block.text):
            continue
        if fits:
            pack.packer.try_add(block)
            pack.use(hit, block, extra, truncated=False)
        else:
            leftover = (hit, block, extra)
            if pack.options.truncate and pack.packer.room_for(block) >= cut_at:
                break  # enough of it fits: it is cut into the rest below, the pack is full
    if leftover is not None and pack.options.truncate:
        # the query words weighed among the chunks the pack looked at
        weights = term_weights(prompt, [h.text for h in hits[:looked]])
        _add_truncated(pack, *leftover, weights)
    pack.layers["chunk"] = pack.packer.used - before


def _add_truncated(
    pack: _Pack, hit: Any, block: ContextBlock, extra: list[int], weights: dict[str, float]
) -> None:
    """Cut ``block`` into the room left, if enough of it fits to be worth reading:
    its heaviest whole parts for the prompt (``compress.fit``), else its start."""
    room = pack.packer.room_for(block)
    if room < pack.options.min_truncated_chars or hit.chunk_id in pack.taken:
        return
    if pack.taken.intersection(extra):
        return
    block.text = fit(block.text, weights, room) or _truncate(block.text, room)
    block.meta["truncated"] = True
    if block.text and pack.packer.try_add(block):
        pack.use(hit, block, extra, truncated=True)


def build_context(
    conn: Connection,
    prompt: str,
    *,
    project: str | None = None,
    budget: int | None = None,
    options: ContextOptions | None = None,
    embedder: Embedder | None = None,
    save: bool = True,
) -> ContextPack:
    """Build the context pack for ``prompt`` (``project`` may be an alias or ``"auto"``)."""
    from atocore.retrieval.search import search

    started = time.perf_counter()
    options = _checked_options(prompt, options, budget)
    capped = query_text(prompt)
    project, detected = resolve_pack_project(conn, capped, project)
    pack = _Pack(options, project)
    if capped != prompt:
        pack.warnings.append(
            f"prompt is {len(prompt):,} characters; context was chosen from its first and "
            f"last {MAX_QUERY_CHARS // 2:,}"
        )
        prompt = capped
    _fill_curated(conn, pack, project, prompt)
    result = search(
        conn,
        prompt,
        project=project,
        # bigger budgets retrieve more candidates to fill them
        top_k=max(options.top_k, -(-options.budget * options.hits_per_1000_chars // 1000)),
        mode=options.retrieval_mode,
        params=options.retrieval,
        embedder=embedder,
    )
    pack.warnings.extend(result.warnings)
    hits = result.hits
    if options.follow_links:
        from atocore.context.links import with_linked_notes

        hits = with_linked_notes(conn, hits)
    _fill_chunks(conn, pack, hits, prompt)

    formatted = pack.packer.render(pack.packer.blocks)
    assert len(formatted) == pack.packer.used <= options.budget
    built = ContextPack(
        prompt=prompt,
        project=project,
        project_detected=detected,
        budget=options.budget,
        chars_used=len(formatted),
        formatted_context=formatted,
        blocks=pack.packer.blocks,
        chunks=pack.chunks,
        layers=pack.layers,
        retrieval_mode=options.retrieval_mode,
        vector=result.vector,
        warnings=pack.warnings,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if save:
        save_last_pack(built)
    return built


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
