"""Running one command through the CLI's two doors: local and ``--url``.

``--url`` is kept in the environment for the rest of the process, so a local
run first drops it (a local run after a remote one must really be local).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEAD = "http://127.0.0.1:9"  # nothing listens there


class Doors:
    def __init__(self, cli: Any, url: str | None = None) -> None:
        self.cli = cli
        self.url = url

    def local(self, *args: str, input: str | None = None) -> Any:
        os.environ.pop("ATOCORE_URL", None)
        return self.cli(*args, input=input)

    def remote(self, *args: str, url: str | None = None, input: str | None = None) -> Any:
        return self.cli("--url", url or self.url, *args, input=input)

    def local_json(self, *args: str) -> Any:
        os.environ.pop("ATOCORE_URL", None)
        return self.cli.json(*args)

    def remote_json(self, *args: str) -> Any:
        return self.cli.json("--url", self.url, *args)


def one_project_vault(registry: Any, tmp_path: Path, files: dict[str, str]) -> Path:
    """A registered project ``p05-interferometer`` (alias p05) whose root holds ``files``."""
    root = tmp_path / "vault" / "p05"
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    registry(
        [{"id": "p05-interferometer", "aliases": ["p05"], "ingest_roots": [{"source": str(root)}]}]
    )
    return root
