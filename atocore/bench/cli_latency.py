"""Cold CLI latency: fresh ``atocore`` processes, with interpreter baselines.

Each command runs ``runs`` times as a new process (the OS file cache is warm
after the first run, as it is for someone typing commands), the commands
taking turns so machine load weighs on all alike; wall-clock and CPU time
(user + system) are both reported. Baselines in the
same run: ``python -c pass`` (the interpreter's floor) and
``python -c "import typer"`` (the CLI framework's floor). ``python -X
importtime`` then lists what ``atocore --help`` imports, and checks that
none of the heavy modules (fastembed, numpy, FastAPI, ...) is among them.

Other helpers add commands with :func:`time_command` (e.g. ``atocore
context`` cold) and their own rows to the report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, byte_compile_atocore, summarize

# Must never be imported by `atocore --help` (see tests/test_cli_startup.py).
HEAVY_MODULES = ("fastembed", "numpy", "fastapi", "onnxruntime", "uvicorn", "tokenizers", "mcp")


def atocore_argv() -> list[str]:
    """How to start the CLI: the venv's console script, else ``python -m atocore``."""
    script = Path(sys.executable).parent / "atocore"
    if script.exists():
        return [str(script)]
    found = shutil.which("atocore")
    return [found] if found else [sys.executable, "-m", "atocore"]


def time_command(
    argv: list[str], *, runs: int, env: dict[str, str] | None = None, warmup: int = 1
) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh processes (after ``warmup`` untimed ones)."""
    seconds: list[float] = []
    for index in range(warmup + runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
        if index >= warmup:
            seconds.append(elapsed)
    return seconds


def time_interleaved(
    cases: list[tuple[str, list[str]]],
    *,
    runs: int,
    env: dict[str, str],
    warmup: int = 1,
    stdin: Callable[[int], str] | None = None,
) -> dict[str, dict[str, list[float]]]:
    """Wall-clock and CPU seconds (user + system) of fresh processes, one case after
    another in each round, so a busy machine weighs on every case alike.
    ``stdin(round)`` is the input of every process of that round."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    times: dict[str, dict[str, list[float]]] = {
        label: {"wall": [], "cpu": []} for label, _ in cases
    }
    for index in range(warmup + runs):
        for label, argv in cases:
            cpu0, start = cpu(), time.perf_counter()
            given = stdin(index) if stdin else None
            done = subprocess.run(argv, env=env, capture_output=True, text=True, input=given)
            wall, used = time.perf_counter() - start, cpu() - cpu0
            if done.returncode != 0:
                raise RuntimeError(f"{label} exited {done.returncode}: {done.stderr[-500:]}")
            if index >= warmup:
                times[label]["wall"].append(wall)
                times[label]["cpu"].append(used)
    return times


def import_profile(module: str = "atocore.cli.main", top: int = 8) -> dict[str, Any]:
    """``-X importtime`` of importing ``module``: total, slowest modules, heavy ones."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        if not parts[0].isdigit():
            continue
        rows.append((int(parts[0]), int(parts[1]), parts[2]))
    names = {name.strip() for _, _, name in rows}
    heavy = sorted(
        name for name in names if name.split(".")[0] in HEAVY_MODULES and "." not in name
    )
    total_us = max((cumulative for _, cumulative, name in rows if name == module), default=0)
    slowest = sorted(rows, key=lambda r: -r[1])
    return {
        "module": module,
        "total_ms": round(total_us / 1000, 1),
        "modules_imported": len(names),
        "heavy_imported": heavy,
        "slowest_cumulative_ms": [
            {"module": name.strip(), "ms": round(cum / 1000, 1)} for _, cum, name in slowest[:top]
        ],
    }


# The smallest Typer app with a command: the framework's floor for a CLI.
BARE_TYPER = """
import sys, typer
app = typer.Typer()
@app.command()
def status(json: bool = False):
    print("{}" if json else "ok")
@app.command()
def other():
    pass
app()
"""

# The CLI as it was before the database opened sqlite-vec by path: importing
# the ``sqlite_vec`` package (which imports numpy) first reproduces that cost.
OLD_LOAD_PATH = "import sys, sqlite_vec; from atocore.__main__ import main; sys.exit(main())"
# The root's help as it was before the outline: every command registered and
# converted by Typer (the whole app called, as ``run`` did for ``--help``).
OLD_HELP = "from atocore.cli.main import register; register()()"


def ratio(report: Report, command: str, baseline: str, column: str = "p50_ms") -> float:
    """``column`` of ``command`` over that of ``baseline`` (rows already in ``report``)."""
    value = {row["command"]: row[column] for row in report.rows}
    return round(value[command] / value[baseline], 2)


def run(
    *,
    runs: int = 10,
    warmup: int = 1,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    byte_compile_atocore()
    report = Report(
        "cli_latency",
        params={"runs": runs, "warmup": warmup, "python": sys.executable},
        command=command,
    )
    cli = atocore_argv()
    with tempfile.TemporaryDirectory(prefix="atocore-bench-cli-") as tmp:
        env = {**os.environ, "ATOCORE_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("ATOCORE_URL", None)
        subprocess.run([*cli, "init"], env=env, capture_output=True, check=True)
        cases = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("python -c 'import typer' (baseline)", [sys.executable, "-c", "import typer"]),
            ("bare Typer app --help (baseline)", [sys.executable, "-c", BARE_TYPER, "--help"]),
            (
                "bare Typer app status --json (baseline)",
                [sys.executable, "-c", BARE_TYPER, "status", "--json"],
            ),
            ("atocore --help", [*cli, "--help"]),
            (
                "atocore --help, whole app converted (before)",
                [sys.executable, "-c", OLD_HELP, "--help"],
            ),
            ("atocore status", [*cli, "status"]),
            ("atocore status --json", [*cli, "--json", "status"]),
            (
                "atocore status --json, sqlite_vec imported (before)",
                [sys.executable, "-c", OLD_LOAD_PATH, "--json", "status"],
            ),
        ]
        timed = time_interleaved(cases, runs=runs, env=env, warmup=warmup)
        for label, _ in cases:
            stats, cpu = summarize(timed[label]["wall"]), summarize(timed[label]["cpu"])
            report.add(
                {
                    "command": label,
                    "p50_ms": stats["p50_ms"],
                    "p99_ms": stats["p99_ms"],
                    "min_ms": stats["min_ms"],
                    "cpu_p50_ms": cpu["p50_ms"],
                    "cpu_min_ms": cpu["min_ms"],
                    "runs": stats["n"],
                }
            )
    pairs = [
        ("`--help`", "atocore --help", "bare Typer app --help (baseline)", "1.5x"),
        (
            "`--help` before (whole app converted)",
            "atocore --help, whole app converted (before)",
            "bare Typer app --help (baseline)",
            "1.5x",
        ),
        (
            "`status --json`",
            "atocore status --json",
            "bare Typer app status --json (baseline)",
            "2x",
        ),
        (
            "`status --json` before (sqlite_vec imported)",
            "atocore status --json, sqlite_vec imported (before)",
            "bare Typer app status --json (baseline)",
            "2x",
        ),
    ]
    for column in ("p50_ms", "cpu_p50_ms"):
        report.note(
            f"vs a bare Typer app ({column}): "
            + "; ".join(
                f"{name} {ratio(report, command, base, column)}x (target <= {target})"
                for name, command, base, target in pairs
            )
        )
    profile = import_profile()
    report.extra["import_profile"] = profile
    report.note(
        f"`import atocore.cli.main`: {profile['total_ms']} ms, "
        f"{profile['modules_imported']} modules; heavy modules imported: "
        f"{', '.join(profile['heavy_imported']) or 'none'}"
    )
    report.note(
        "slowest (cumulative): "
        + ", ".join(f"{s['module']} {s['ms']} ms" for s in profile["slowest_cumulative_ms"][:5])
    )
    report.finish(write=write, show=show)
    return report
