"""Obsidian vault syntax in a note body: inline ``#tags`` and ``[[wikilinks]]``.

Both are only recognised in prose: fenced and indented code blocks and
inline code spans are blanked out first (markdown-it-py finds the blocks,
so the rules are CommonMark's), and a heading's leading ``#`` is never a
tag because a tag must touch its first character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from atocore.ingest.chunker import block_tokens
from atocore.retrieval.names import name_key

# Obsidian: a tag starts after whitespace (or line start), may nest with "/", and is not
# all digits ("#2026" is an issue number or a year, not a tag)
_TAG = re.compile(r"(?<!\S)#([\w/-]*[^\W\d][\w/-]*)", re.UNICODE)
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_ATTACHMENT = re.compile(
    r"\.(png|jpe?g|gif|svg|webp|bmp|pdf|mp3|mp4|m4a|wav|ogg|webm|mov|canvas|excalidraw)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WikiLink:
    """One ``[[target#heading|alias]]`` (``embed`` for ``![[...]]``)."""

    target: str
    heading: str = ""
    alias: str = ""
    embed: bool = False

    @property
    def key(self) -> str:
        return name_key(self.target.rsplit("/", 1)[-1])


def prose(body: str) -> str:
    """``body`` with code blocks and inline code spans blanked (same length, same lines)."""
    lines = body.split("\n")
    for token in block_tokens(body):
        if token.type in ("fence", "code_block") and token.map:
            start, end = token.map
            for i in range(start, min(end, len(lines))):
                lines[i] = ""
    text = "\n".join(lines)
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def inline_tags(text: str) -> list[str]:
    """Distinct ``#tags`` of prose ``text``, in order of first use."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(text):
        tag = match.group(1).strip("/")
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def wikilinks(text: str) -> list[WikiLink]:
    """Every ``[[...]]`` of prose ``text`` that names another note, in order."""
    links = []
    for match in _WIKILINK.finditer(text):
        inner, alias = match.group(2), ""
        if "|" in inner:
            inner, alias = inner.split("|", 1)
        target, _, heading = inner.partition("#")
        target = target.split("^", 1)[0].strip()
        if not target or _ATTACHMENT.search(target):  # [[#heading]], ![[image.png]]
            continue
        links.append(WikiLink(target, heading.strip(), alias.strip(), embed=match.group(1) == "!"))
    return links
