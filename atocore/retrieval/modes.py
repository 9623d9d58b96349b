"""The retrieval modes, in a module light enough for the CLI to import at start-up."""

from __future__ import annotations

from typing import Literal, get_args

Mode = Literal["hybrid", "bm25", "vector"]
MODES: tuple[str, ...] = get_args(Mode)
