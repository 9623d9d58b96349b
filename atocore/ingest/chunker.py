"""Heading-aware chunking: every chunk keeps the path of headings above it.

Markdown is parsed with markdown-it-py; top-level blocks (paragraphs,
lists, tables, code fences) are grouped under their heading and packed
into chunks of at most ``max_chars``, never splitting a block unless the
block alone is too large (then lines, then sentences, then words). Plain
text is split on blank lines the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

HEADING_SEPARATOR = " > "


@dataclass(frozen=True)
class ChunkOptions:
    """Chunking knobs. Changing them re-chunks files on the next ingest."""

    max_chars: int = 1200  # a chunk's text never exceeds this
    min_chars: int = 200  # sections shorter than this merge into the next one under them
    split_headings_at: int = 6  # headings deeper than this do not start a new section
    # consecutive blocks (paragraphs, list items...) share a chunk up to this size; small
    # chunks retrieve precisely, and neighbours re-join them in a pack (None: max_chars)
    group_chars: int | None = 300

    def signature(self) -> str:
        raw = json.dumps({"v": 1, **asdict(self)}, sort_keys=True)
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


@dataclass
class Chunk:
    ordinal: int
    heading_path: list[str]
    text: str
    char_start: int
    char_end: int

    @property
    def heading(self) -> str:
        return HEADING_SEPARATOR.join(self.heading_path)


@dataclass
class _Section:
    path: list[str]
    blocks: list[tuple[int, int]] = field(default_factory=list)  # char ranges
    heading_span: tuple[int, int] | None = None  # the heading line itself


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    # block structure only: sections and code blocks need no inline parsing
    return MarkdownIt("commonmark").enable("table").disable("inline")


@functools.lru_cache(maxsize=4)
def block_tokens(body: str) -> tuple[Any, ...]:
    """The block tokens of ``body`` (CommonMark with tables), read-only.

    Parsing a note for its tags and links and then chunking it asks for
    the same body twice; the second ask is served from here.
    """
    return tuple(_markdown().parse(body))


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_NEWLINE = re.compile("\n")


def _line_offsets(text: str) -> list[int]:
    return [0, *(m.end() for m in _NEWLINE.finditer(text)), len(text)]


def _strip_heading(content: str) -> str:
    return re.sub(r"\s+", " ", content).strip() or "(untitled)"


def markdown_sections(body: str, opts: ChunkOptions) -> list[_Section]:
    tokens = block_tokens(body)
    offsets = _line_offsets(body)
    last = len(offsets) - 1

    def span(line_map: list[int]) -> tuple[int, int]:
        start, end = line_map
        return offsets[min(start, last)], offsets[min(end, last)]

    sections = [_Section(path=[])]
    stack: list[tuple[int, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.map is None:
            i += 1
            continue
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            title = _strip_heading(inline.content if inline is not None else "")
            if level <= opts.split_headings_at:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                sections.append(_Section(path=[t for _, t in stack], heading_span=span(tok.map)))
            else:
                sections[-1].blocks.append(span(tok.map))
            i += 3  # heading_open, inline, heading_close
            continue
        sections[-1].blocks.append(span(tok.map))
        i += 1
    return [s for s in sections if s.blocks]


def text_sections(body: str) -> list[_Section]:
    section = _Section(path=[])
    for match in re.finditer(r"\S(?:.*?)(?=\n[ \t]*\n|\Z)", body, re.DOTALL):
        section.blocks.append((match.start(), match.end()))
    return [section] if section.blocks else []


def _split_oversized(body: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Break one too-large block into ranges ≤ max_chars (lines, sentences, words)."""
    pieces: list[tuple[int, int]] = []
    text = body[start:end]
    units: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        if len(line.strip()) > max_chars:
            for sentence in _pieces(line, max_chars):
                units.append((pos + sentence[0], pos + sentence[1]))
        elif line.strip():
            units.append((pos, pos + len(line)))
        pos += len(line)
    cur: tuple[int, int] | None = None
    for u_start, u_end in units:
        if cur is None:
            cur = (u_start, u_end)
        elif u_end - cur[0] <= max_chars:
            cur = (cur[0], u_end)
        else:
            pieces.append((start + cur[0], start + cur[1]))
            cur = (u_start, u_end)
    if cur is not None:
        pieces.append((start + cur[0], start + cur[1]))
    return pieces


def _pieces(line: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence ranges of a long line; words when a sentence is still too long."""
    out: list[tuple[int, int]] = []
    bounds = [0, *(m.start() for m in _SENTENCE.finditer(line)), len(line)]
    for s, e in zip(bounds, bounds[1:], strict=False):
        while e - s > max_chars:
            cut = line.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            out.append((s, cut))
            s = cut
        if line[s:e].strip():
            out.append((s, e))
    # merge consecutive sentences while they fit
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and e - merged[-1][0] <= max_chars:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _trimmed(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return start, end


def _merge_small(sections: list[_Section], body: str, opts: ChunkOptions) -> list[_Section]:
    """Fold a short section into the next one when the next is nested under it."""
    out: list[_Section] = []
    for section in sections:
        if out:
            prev = out[-1]
            size = sum(e - s for s, e in prev.blocks)
            nested = section.path[: len(prev.path)] == prev.path and len(section.path) > len(
                prev.path
            )
            total = size + sum(e - s for s, e in section.blocks)
            if size < opts.min_chars and nested and total <= opts.max_chars:
                # keep the sub-heading line in the text so the merged chunk still says it
                if section.heading_span is not None:
                    prev.blocks.append(section.heading_span)
                prev.blocks.extend(section.blocks)
                continue
        out.append(section)
    return out


def _pack(
    body: str, path: list[str], ranges: list[tuple[int, int]], max_chars: int, out: list[Chunk]
) -> None:
    """Greedily group consecutive ranges into chunks of at most ``max_chars`` (a range
    longer than that, already split to fit the hard limit, stays a chunk of its own)."""
    groups: list[list[tuple[int, int]]] = []
    size = 0
    for start, end in ranges:
        length = end - start
        if groups and size + 2 + length <= max_chars:
            groups[-1].append((start, end))
            size += 2 + length
        else:
            groups.append([(start, end)])
            size = length
    for group in groups:
        text = "\n\n".join(p for p in (body[s:e].strip() for s, e in group) if p)
        if text:
            out.append(Chunk(len(out), list(path), text, group[0][0], group[-1][1]))


def chunk_document(
    body: str, *, markdown: bool = True, opts: ChunkOptions | None = None
) -> list[Chunk]:
    """Chunks of ``body`` in document order (char offsets are into ``body``)."""
    opts = opts or ChunkOptions()
    sections = markdown_sections(body, opts) if markdown else text_sections(body)
    if opts.min_chars > 0:
        sections = _merge_small(sections, body, opts)
    chunks: list[Chunk] = []
    for section in sections:
        ranges: list[tuple[int, int]] = []
        for start, end in section.blocks:
            start, end = _trimmed(body, start, end)
            if end <= start:
                continue
            if end - start > opts.max_chars:
                ranges.extend(_split_oversized(body, start, end, opts.max_chars))
            else:
                ranges.append((start, end))
        group = opts.max_chars if opts.group_chars is None else opts.group_chars
        _pack(body, section.path, ranges, min(group, opts.max_chars), chunks)
    return chunks
