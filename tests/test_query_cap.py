"""Huge prompts: retrieval uses at most MAX_QUERY_CHARS of them, hooks stay bounded.

Behaviour, not timing: the text the services match is capped (its start and
its end), and a hook given a 10 MB prompt, an input over its limit or a
stdin that never closes still ends, exit 0 — each run in a child process
with a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atocore.context.builder import build_context
from atocore.hooks.__main__ import MAX_INPUT_BYTES
from atocore.memory.service import create_memory
from atocore.projects.registry import detect_project
from atocore.retrieval.query import MAX_QUERY_CHARS, query_text
from atocore.retrieval.search import search

FILLER = "pasted log line with nothing useful in it at all\n"
HUGE = 10 * 1024 * 1024


def _huge(head: str, tail: str) -> str:
    body = FILLER * (HUGE // len(FILLER))
    return head + "\n" + body + "\n" + tail


def test_query_text_keeps_the_start_and_the_end():
    assert query_text("short prompt") == "short prompt"
    exact = "x" * MAX_QUERY_CHARS
    assert query_text(exact) is exact
    text = _huge("START of the prompt", "the question at the END?")
    capped = query_text(text)
    assert len(capped) == MAX_QUERY_CHARS
    assert capped.startswith("START of the prompt") and capped.endswith("at the END?")


def test_a_10_mb_prompt_builds_a_pack_from_its_capped_text(conn, p05):
    create_memory(conn, "knowledge", "The kinematic mount uses three Invar balls.", project="p05")
    prompt = _huge("p05 question follows.", "Which balls does the kinematic mount use?")
    pack = build_context(conn, prompt, project="auto", save=False)
    assert len(pack.prompt) == MAX_QUERY_CHARS
    assert pack.project == "p05-interferometer"  # detected from the start
    assert "Invar balls" in pack.formatted_context  # matched from the end
    assert pack.warnings[0].startswith(f"prompt is {len(prompt):,} characters")


def test_search_caps_its_query(conn, p05):
    result = search(conn, _huge("alpha", "omega"), mode="bm25")
    assert len(result.query) == MAX_QUERY_CHARS


def test_detect_project_reads_only_the_capped_text(p05):
    assert detect_project(_huge("about p05", "")).id == "p05-interferometer"
    middle = "x" * MAX_QUERY_CHARS + " p05 " + "x" * MAX_QUERY_CHARS
    assert detect_project(middle) is None  # beyond the cap: not looked at


def _hook(payload: bytes | None, env_extra: dict | None = None, *, keep_open: bool = False):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), **(env_extra or {})}
    env.pop("ATOCORE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "atocore.hooks", "prompt"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if keep_open:  # a client that never closes stdin (communicate would close it)
            proc.wait(timeout=60)
            out, err = proc.stdout.read(), proc.stderr.read()
            proc.stdin.close()
        else:
            out, err = proc.communicate(payload, timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out.decode(), err.decode()


def test_the_prompt_hook_with_a_10_mb_prompt_injects_context(conn, p05, data_dir):
    create_memory(conn, "knowledge", "The kinematic mount uses three Invar balls.", project="p05")
    prompt = _huge("p05:", "Which balls does the kinematic mount use?")
    payload = json.dumps({"prompt": prompt, "session_id": "s1", "cwd": str(data_dir)}).encode()
    slow_machine = {"ATOCORE_HOOK_TIMEOUT_SECONDS": "120"}  # the bound is tested below
    code, out, err = _hook(payload, {"ATOCORE_HOOK_MODE": "bm25", **slow_machine})
    assert code == 0, err
    assert "Invar balls" in json.loads(out)["hookSpecificOutput"]["additionalContext"], err


def test_the_hook_ignores_input_over_its_limit():
    code, out, err = _hook(b"x" * (MAX_INPUT_BYTES + 1))
    assert (code, out) == (0, "")
    assert err == "atocore hook: prompt: input over 16 MiB, ignored\n"


def test_the_hook_gives_up_on_a_stdin_that_never_ends():
    started = time.monotonic()
    code, out, err = _hook(None, {"ATOCORE_HOOK_TIMEOUT_SECONDS": "1"}, keep_open=True)
    assert (code, out) == (0, "")
    assert "took too long, gave up" in err
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("size", [MAX_QUERY_CHARS - 1, MAX_QUERY_CHARS + 1])
def test_the_cap_is_exact(size):
    assert len(query_text("y" * size)) == min(size, MAX_QUERY_CHARS)
