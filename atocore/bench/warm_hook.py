"""Warm by default: the prompt hook exactly as ``atocore claude install`` writes it.

Run: ``python bench/warm_hook.py [--chunks 10000] [--runs 30] [--boot-runs 5]``.

On a synthetic corpus (:func:`atocore.bench.hooks.build_corpus`), the
installed UserPromptSubmit command (its shell string, run through ``sh -c``
as Claude Code runs it) is timed in three states, in one run:

1. **first prompt after boot**: no server is up; the hook starts one in the
   background and returns (nothing injected). Each run kills the server it
   started, so every run is a first prompt.
2. **warm**: the server that hook started is up (model warm); the hook
   relays the prompt and prints the pack.
3. **baseline** (the install before warm-by-default): the same hook entry
   with only the data dir, no server: the process builds the pack itself.

Each hook run is paired with a ``python -c pass`` process (the floor under
the same load).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from atocore.bench.harness import Report, summarize
from atocore.bench.hooks import _free_port, _hook_argv_input, _row, _time_hook, build_corpus
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


def _hook_row(label: str, seconds: list[float], floor: list[float], empty: int) -> dict:
    return _row(
        label,
        summarize(seconds),
        python_floor_p50_ms=summarize(floor)["p50_ms"],
        empty_outputs=empty,
    )


def run(*, chunks: int = 10_000, runs: int = 30, boot_runs: int = 5, write: bool = True) -> Report:
    from atocore.hooks.install import hook_command, install

    report = Report("warm_hook", params={"chunks": chunks, "runs": runs, "boot_runs": boot_runs})
    report.live = True
    with tempfile.TemporaryDirectory(prefix="atocore-bench-warm-") as tmp:
        data_dir = Path(tmp) / "data"
        corpus = build_corpus(data_dir, chunks)
        cwd, prompts = corpus["root"], corpus["prompts"]
        report.note(f"corpus: {corpus['chunks']} chunks, {corpus['db_mb']} MB database")
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

        boot_s, boot_floor = [], []
        for i in range(boot_runs + 1):  # the first boot is an untimed warm-up (file cache)
            claim.unlink(missing_ok=True)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env, capture_output=True)
            floor_s = time.perf_counter() - start
            start = time.perf_counter()
            done = subprocess.run(
                argv, env=env, input=_hook_argv_input(prompts[0], cwd).encode(), capture_output=True
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0 or b"started a server" not in done.stderr:
                raise RuntimeError(f"hook did not start a server: {done.stderr[-500:]!r}")
            if i:
                boot_s.append(elapsed)
                boot_floor.append(floor_s)
            _wait_health(url)
            _stop(int(claim.read_text()))
        report.add(
            _row(
                "installed prompt hook, first prompt after boot (starts the server)",
                summarize(boot_s),
                python_floor_p50_ms=summarize(boot_floor)["p50_ms"],
            )
        )

        claim.unlink(missing_ok=True)
        _time_hook(env, cwd, 0, argv, prompts)  # starts the server
        pid = int(claim.read_text())
        try:
            _wait_health(url)
            import httpx

            httpx.post(  # the model is warm before timing
                f"{url}/context/build", json={"prompt": prompts[0], "budget": 3000}, timeout=120
            ).raise_for_status()
            timed = _time_hook(env, cwd, runs, argv, prompts)
            report.add(
                _hook_row("installed prompt hook, warm server (started by the hook)", *timed)
            )
        finally:
            _stop(pid)

        before = hook_command("prompt", data_dir=data_dir, url=None, autostart=False)
        timed = _time_hook(env, cwd, boot_runs, ["sh", "-c", before], prompts)
        label = "baseline: prompt hook with the data dir only, no server (previous install)"
        report.add(_hook_row(label, *timed))
    report.note(
        "targets: warm p50 <= 50 ms at 10K chunks; first prompt after boot <= 1 s "
        "(the hook returns while the server starts)"
    )
    report.finish(write=write)
    return report


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--boot-runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    run(chunks=args.chunks, runs=args.runs, boot_runs=args.boot_runs, write=not args.no_write)


if __name__ == "__main__":
    main()
