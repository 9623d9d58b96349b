"""What the door tests (test_doors_*.py) share: the unreachable-server check."""

from __future__ import annotations

from pathlib import Path

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
