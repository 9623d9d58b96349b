"""What the door tests (test_doors_*.py) share: running a command through the
CLI's two doors (local and ``--url``) and the unreachable-server check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEAD_URL = "http://127.0.0.1:9"  # nothing listens on the discard port


def _files(data_dir: Path) -> dict[str, bytes]:
    if not data_dir.exists():
        return {}
    return {
        str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    }


def refused_when_unreachable(cli, data_dir: Path, args: list[str]) -> None:
    """``--url`` to a dead server: exit 1 "cannot reach", and the local data dir
    is left byte for byte as it was (no silent local run)."""
    before = _files(data_dir)
    result = cli("--url", DEAD_URL, *args)
    assert result.exit_code == 1, (args, result.output)
    assert "cannot reach" in result.output, (args, result.output)
    assert _files(data_dir) == before, args


class Local:
    """The CLI without ``--url``. The CLI passes ``--url`` on as ATOCORE_URL, which
    outlives one in-process invocation: a local call must clear it first."""

    def __init__(self, cli, monkeypatch) -> None:
        self.cli = cli
        self.monkeypatch = monkeypatch

    def run(self, *args):
        self.monkeypatch.delenv("ATOCORE_URL", raising=False)
        return self.cli(*args)

    def __call__(self, *args):
        """``--json`` output, parsed (the command must succeed)."""
        self.monkeypatch.delenv("ATOCORE_URL", raising=False)
        return self.cli.json(*args)


DEAD = DEAD_URL


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


def stable(value: Any, volatile: set[str]) -> Any:
    """``value`` without the keys in ``volatile`` at any depth (timings, stamps): what
    two doors must agree on."""
    if isinstance(value, dict):
        return {k: stable(v, volatile) for k, v in value.items() if k not in volatile}
    if isinstance(value, list):
        return [stable(v, volatile) for v in value]
    return value
