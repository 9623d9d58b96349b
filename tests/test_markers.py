"""The ``slow`` marker: tests that need the embedding model, so ``-m "not slow"`` is fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _collect(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "--collect-only", "-q"]
        + ["-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if "::" in line]


def test_tests_using_the_embedder_are_slow_and_the_rest_are_not():
    fast = _collect("-m", "not slow", "tests/test_embed.py")
    slow = _collect("-m", "slow", "tests/test_embed.py")
    assert "tests/test_embed.py::test_empty_batch" in slow  # uses the embedder fixture
    assert "tests/test_embed.py::test_default_resolves_to_offline_package" in fast
    assert not set(fast) & set(slow)
