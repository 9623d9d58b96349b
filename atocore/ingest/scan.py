"""Finding source files under a root (read-only walk)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from atocore.ingest.parse import SUPPORTED_SUFFIXES

# Directories never descended into (besides any hidden directory).
IGNORED_DIRS = frozenset({"node_modules", "__pycache__", "_build", "venv"})


def normalize(path: Path | str) -> str:
    """The key a source file is stored under: its absolute, resolved path."""
    return os.path.realpath(os.path.expanduser(str(path)))


def printable(path: Path | str) -> str:
    """``path`` as valid UTF-8 text (undecodable bytes of a file name shown as escapes)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def valid_name(path: str) -> bool:
    """Whether the path is valid UTF-8 (it is stored as text)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_candidate(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES


def scan_root(
    root: Path, linked: list[str] | None = None, skip: tuple[str, ...] = ()
) -> Iterator[Path]:
    """Supported files under ``root`` in a stable order (hidden entries skipped).

    Symlinked folders are followed (vaults often link shared notes in), each
    real directory once, so a link loop or two links to one place cannot
    repeat files. ``linked`` collects the resolved paths of followed links
    that lie outside ``root``: the files there are stored under those paths,
    and the caller needs them to notice when such files vanish. Folders that
    resolve into ``skip`` (real paths: atocore's own data dir) are left out.
    A symlinked *file* is followed only when it points inside the root or a
    followed folder: a stray ``secret.md -> ~/.ssh/...`` is not read.
    """
    seen = {os.path.realpath(root)}
    bases = list(seen)  # the real root plus every followed folder link
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        kept = []
        for name in sorted(dirnames):
            if name.startswith(".") or name in IGNORED_DIRS:
                continue
            full = os.path.join(dirpath, name)
            real = os.path.realpath(full)
            if real in seen or any(real == p or real.startswith(p + os.sep) for p in skip):
                continue
            seen.add(real)
            kept.append(name)
            if os.path.islink(full):
                bases.append(real)
                if linked is not None:
                    linked.append(real)
        dirnames[:] = kept
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if is_candidate(name) and (not os.path.islink(full) or _inside(full, bases)):
                yield Path(full)


def _inside(link: str, bases: list[str]) -> bool:
    """Whether a file link's target lies under one of ``bases`` (real paths)."""
    target = os.path.realpath(link)
    return any(target.startswith(base + os.sep) for base in bases)
