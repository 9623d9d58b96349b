"""Warm by default: the prompt hook exactly as ``atocore claude install`` writes it.

On a generated corpus (:func:`atocore.bench.hooks.build_corpus`: synthetic
words, the keyword worst case, or real prose), the installed
UserPromptSubmit command (its shell string, run through ``sh -c`` as Claude
Code runs it) is timed in three states, in one run:

1. **first prompt after boot**: no server is up; the hook starts one in the
   background and returns (nothing injected). Each run kills the server it
   started, so every run is a first prompt.
2. **warm**: the server that hook started is up (model warm); the hook
   relays the prompt and prints the pack. The earlier entry (``atocore hook
   prompt``, the console script with the usual interpreter start-up) takes
   turns with it against the same server.
3. **baseline** (the install before warm-by-default): the same hook entry
   with only the data dir, no server: the process builds the pack itself.

Each hook run is paired with a ``python -c pass`` process (the floor under
the same load), after :func:`~atocore.bench.harness.byte_compile_atocore`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from atocore.bench.cli_latency import atocore_argv, time_interleaved
from atocore.bench.harness import Report, byte_compile_atocore, summarize
from atocore.bench.hooks import _cpu_s, _free_port, _hook_argv_input, _row, build_corpus
from atocore.hooks.autostart import CLAIM


def _wait_health(url: str, timeout_s: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


def _stop(pid: int, timeout_s: float = 30.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
            if stat.read().split()[2] == "Z":
                return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _add_rows(report: Report, cases: list[tuple[str, list[str]]], **timing: Any) -> None:
    """Rows for each ``(label, argv)`` and for ``python -c pass``, all taking turns
    (the floor under the same load)."""
    floor = "python -c pass (floor, beside the rows above)"
    timed = time_interleaved([*cases, (floor, [sys.executable, "-c", "pass"])], **timing)
    for name in [label for label, _ in cases] + [floor]:
        cpu = summarize(timed[name]["cpu"])
        wall = summarize(timed[name]["wall"])
        report.add(_row(name, wall, cpu_p50_ms=cpu["p50_ms"], cpu_min_ms=cpu["min_ms"]))


def run(
    *,
    chunks: int = 10_000,
    runs: int = 30,
    boot_runs: int = 5,
    text: str = "synthetic",
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.hooks.install import hook_command, install

    report = Report(
        "warm_hook",
        params={"chunks": chunks, "runs": runs, "boot_runs": boot_runs, "text": text},
        command=command,
        live=show,
    )
    byte_compile_atocore()
    with tempfile.TemporaryDirectory(prefix="atocore-bench-warm-") as tmp:
        data_dir = Path(tmp) / "data"
        corpus = build_corpus(data_dir, chunks, text=text)
        cwd, prompts = corpus["root"], corpus["prompts"]
        report.note(f"corpus: {corpus['chunks']} {text} chunks, {corpus['db_mb']} MB database")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        project = Path(tmp) / "proj"
        project.mkdir()
        installed = install(project, port=port, data_dir=data_dir, commands_src=Path(tmp))
        command = installed["hooks"]["UserPromptSubmit"]
        report.extra["installed_command"] = command
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("ATOCORE_URL", "ATOCORE_DATA_DIR", "ATOCORE_AUTOSTART")
        }
        claim = data_dir / "run" / CLAIM
        argv = ["sh", "-c", command]

        def stdin(index: int) -> str:
            return _hook_argv_input(prompts[index % len(prompts)], cwd)

        def first_prompt(index: int, *, keep: bool = False) -> tuple[float, float]:
            """Wall and CPU seconds of a hook that finds no server (and starts one,
            stopped again unless ``keep``)."""
            claim.unlink(missing_ok=True)
            cpu0, start = _children_cpu(), time.perf_counter()
            done = subprocess.run(argv, env=env, input=stdin(index), capture_output=True, text=True)
            wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
            if done.returncode != 0 or "started a server" not in done.stderr:
                raise RuntimeError(f"hook did not start a server: {done.stderr[-500:]!r}")
            _wait_health(url)
            if not keep:
                _stop(int(claim.read_text()))
            return wall, cpu

        boot = [first_prompt(i) for i in range(boot_runs + 1)][1:]  # first: file-cache warm-up
        wall, cpu = summarize([w for w, _ in boot]), summarize([c for _, c in boot])
        label = "installed prompt hook, first prompt after boot (starts the server)"
        report.add(_row(label, wall, cpu_p50_ms=cpu["p50_ms"], cpu_min_ms=cpu["min_ms"]))

        first_prompt(0, keep=True)  # a server for the warm rows
        pid = int(claim.read_text())
        try:
            import httpx

            httpx.post(  # the model is warm before timing
                f"{url}/context/build", json={"prompt": prompts[0], "budget": 3000}, timeout=120
            ).raise_for_status()
            sample = subprocess.run(argv, env=env, input=stdin(0), capture_output=True, text=True)
            injected = json.loads(sample.stdout)["hookSpecificOutput"]["additionalContext"]
            report.extra["injected_chars"] = len(injected)
            report.note(f"a warm prompt injects {len(injected)} characters")
            earlier = hook_command(
                "prompt", data_dir=data_dir, url=url, autostart=True, base=atocore_argv()[0]
            )
            warm = [
                ("installed prompt hook, warm server (started by the hook)", argv),
                (
                    "baseline: earlier entry `atocore hook prompt`, same server",
                    ["sh", "-c", earlier],
                ),
            ]
            server_cpu = _cpu_s(pid)
            _add_rows(report, warm, runs=runs, env=env, stdin=stdin)
            per_prompt = round(1000 * (_cpu_s(pid) - server_cpu) / (2 * runs), 1)
            report.extra["server_cpu_ms_per_prompt"] = per_prompt
            report.note(
                f"server CPU per warm prompt: {per_prompt} ms (on top of the hook process's own)"
            )
        finally:
            _stop(pid)

        before = hook_command("prompt", data_dir=data_dir, url=None, autostart=False)
        label = "baseline: prompt hook with the data dir only, no server (previous install)"
        _add_rows(report, [(label, ["sh", "-c", before])], runs=boot_runs, env=env, stdin=stdin)
    report.note(
        "targets: warm p50 <= 50 ms at 10K chunks; first prompt after boot <= 1 s "
        "(the hook returns while the server starts)"
    )
    report.finish(write=write, show=show)
    return report
