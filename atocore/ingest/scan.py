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


def scan_root(root: Path) -> Iterator[Path]:
    """Supported files under ``root`` in a stable order (hidden entries skipped)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in IGNORED_DIRS)
        for name in sorted(filenames):
            if is_candidate(name):
                yield Path(dirpath) / name
