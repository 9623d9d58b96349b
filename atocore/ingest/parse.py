"""Reading a source file: validation, YAML frontmatter, title.

``read_source`` decides whether a file is ingestible (text, UTF-8, not
empty, not huge) and returns its text; ``parse_document`` splits off the
frontmatter and finds the title. Nothing here writes anything.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atocore.ingest.vault import WikiLink, inline_tags, prose, wikilinks

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class SkipFile(Exception):
    """A file that cannot be ingested; ``reason`` is a short machine tag."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Document:
    """A parsed source file, ready for chunking."""

    kind: str  # "markdown" | "text"
    title: str
    body: str  # the text after the frontmatter
    frontmatter: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    project: str = ""  # from frontmatter, not yet resolved
    warnings: list[str] = field(default_factory=list)
    links: list[WikiLink] = field(default_factory=list)  # [[wikilinks]] of the body


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[bytes, str]:
    """Raw bytes and decoded text of an ingestible file, else :class:`SkipFile`.

    The file is opened without blocking and checked on the open descriptor:
    a named pipe, socket or device under a vault (even one swapped in after
    the scan) is skipped instead of hanging the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise SkipFile("unreadable", f"cannot open: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SkipFile("not_regular", f"not a regular file ({_kind(mode)})")
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise SkipFile("too_large", f"{size} bytes exceeds the {max_bytes}-byte limit")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SkipFile("unreadable", f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # grew since the size check
        raise SkipFile("too_large", f"more than {max_bytes} bytes")
    if b"\x00" in data[:8192]:
        raise SkipFile("binary", "looks binary (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile("invalid_utf8", f"not valid UTF-8 at byte {exc.start}") from exc
    if not text.strip():
        raise SkipFile("empty", "no text")
    return data, text.replace("\r\n", "\n").replace("\r", "\n")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,\s]+", value) if ("," in value or "#" in value) else [value]
        return [p.strip().lstrip("#") for p in parts if p.strip().lstrip("#")]
    if isinstance(value, list | tuple | set):
        return [str(v).strip().lstrip("#") for v in value if v is not None and str(v).strip()]
    return [str(value)]


def split_frontmatter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """``(frontmatter, body, warnings)``; broken YAML is dropped with a warning."""
    match = _FRONTMATTER.match(text)
    if not match:
        return {}, text, []
    import yaml

    body = text[match.end() :]
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 2})" if line is not None else ""
        return {}, body, [f"invalid YAML frontmatter{where}; ignored"]
    if data is None:
        return {}, body, []
    if not isinstance(data, dict):
        return {}, body, ["frontmatter is not a mapping; ignored"]
    return {str(k): v for k, v in data.items()}, body, []


def _jsonable(value: Any) -> Any:
    """YAML can produce dates and other objects; keep JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def parse_document(path: Path, text: str) -> Document:
    """Frontmatter, title, tags (frontmatter then inline), links and body of a file."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        return Document(kind="text", title=path.stem, body=text)
    front, body, warnings = split_frontmatter(text)
    title = str(front.get("title") or "").strip()
    if not title:
        h1 = _H1.search(body)
        title = h1.group(1).strip() if h1 else path.stem
    project = front.get("project")
    text = prose(body)
    tags = list(dict.fromkeys([*_string_list(front.get("tags")), *inline_tags(text)]))
    return Document(
        kind="markdown",
        title=title,
        body=body,
        frontmatter=_jsonable(front),
        tags=tags,
        links=wikilinks(text),
        aliases=_string_list(front.get("aliases")),
        project=str(project).strip() if project else "",
        warnings=warnings,
    )
