"""What every benchmark shares: machine facts, timing, tables, JSON results.

A benchmark builds a :class:`Report`, adds one dict per table row, and
calls :meth:`Report.finish`, which prints the table and writes
``bench/results/<name>-<stamp>.json`` holding the machine, date, git
commit, parameters, rows and the command that reproduces the run::

    report = Report("ingest", params={"notes": 1000}, command="atocore bench ingest")
    report.add({"method": "raw embedder", "chunks/s": 21.3})
    report.finish()

Timings are wall-clock (``time.perf_counter``); :func:`summarize` turns a
list of per-call seconds into p50/p99/mean milliseconds.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_ENV = "ATOCORE_BENCH_RESULTS"
# The source checkout atocore runs from: fixtures, examples and git history for
# the benchmarks that read them (absent from an installed wheel).
CHECKOUT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _usable_cores() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, load, Python and SQLite versions of this run."""
    from atocore import __version__

    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": _usable_cores(),
        "ram_gib": _ram_gib(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "atocore": __version__,
    }
    try:
        from atocore.db.connection import sqlite_module

        sqlite = sqlite_module()
        info["sqlite_driver"] = sqlite.__name__
        info["sqlite"] = sqlite.sqlite_version
    except Exception:  # noqa: BLE001 - informational only
        pass
    try:
        import importlib.metadata as md

        info["sqlite_vec"] = md.version("sqlite-vec")
        info["numpy"] = md.version("numpy")
    except Exception:  # noqa: BLE001
        pass
    return info


def git_commit(cwd: Path | None = None) -> dict[str, Any]:
    """HEAD commit of the checkout atocore runs from (and whether it is dirty)."""
    where = cwd or CHECKOUT
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
        if sha.returncode != 0:
            return {"sha": None, "dirty": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"sha": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def results_dir() -> Path:
    """Where results go: ``$ATOCORE_BENCH_RESULTS``, the checkout's ``bench/results``, or cwd.

    Run from an installed wheel, results land under the current directory.
    """
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV])
    if (CHECKOUT / "bench" / "results").is_dir() and (CHECKOUT / "atocore").is_dir():
        return CHECKOUT / "bench" / "results"
    return Path.cwd() / "bench" / "results"


@contextmanager
def scratch_data_dir(path: Path) -> Iterator[Path]:
    """Point atocore at a benchmark's own data dir (``ATOCORE_DATA_DIR``) for the
    block, and back afterwards: a benchmark never touches the user's data."""
    previous = os.environ.get("ATOCORE_DATA_DIR")
    os.environ["ATOCORE_DATA_DIR"] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop("ATOCORE_DATA_DIR", None)
        else:
            os.environ["ATOCORE_DATA_DIR"] = previous


# --------------------------------------------------------------------------- timing


def byte_compile_atocore() -> None:
    """Write atocore's bytecode before timing fresh processes, as an installed
    package has it: under ``PYTHONDONTWRITEBYTECODE`` every process would
    otherwise compile each module changed since its last ``.pyc``."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parents[1]), quiet=1)


def summarize(seconds: Iterable[float]) -> dict[str, float]:
    """p50 / p99 / mean / min in milliseconds (nearest-rank percentiles)."""
    values = sorted(float(s) * 1000.0 for s in seconds)
    if not values:
        return {"n": 0, "p50_ms": float("nan"), "p99_ms": float("nan"), "mean_ms": float("nan")}

    def rank(p: float) -> float:
        index = max(0, min(len(values) - 1, math.ceil(p / 100.0 * len(values)) - 1))
        return values[index]

    return {
        "n": len(values),
        "p50_ms": round(rank(50), 3),
        "p99_ms": round(rank(99), 3),
        "mean_ms": round(sum(values) / len(values), 3),
        "min_ms": round(values[0], 3),
    }


def time_each(
    fn: Callable[[Any], Any], inputs: Iterable[Any], *, cpu: list[float] | None = None
) -> tuple[list[float], list[Any]]:
    """Call ``fn`` on each input; per-call wall seconds and the results.

    Pass a list as ``cpu`` to also collect per-call CPU seconds of this
    process (all its threads): on a machine shared with other jobs, CPU time
    shows the work done while wall time also counts waiting for a core.
    """
    seconds: list[float] = []
    outputs: list[Any] = []
    for item in inputs:
        cpu_start = time.process_time()
        start = time.perf_counter()
        outputs.append(fn(item))
        seconds.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - cpu_start)
    return seconds, outputs


def repeat(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall seconds of each of ``runs`` calls of ``fn``."""
    return time_each(lambda _: fn(), range(runs))[0]


# --------------------------------------------------------------------------- output


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_table(title: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*[_cell(row.get(c)) for c in columns])
    out = Console(highlight=False)
    out.width = max(out.width, 150)
    out.print(grid)


@dataclass
class Report:
    """One benchmark run: parameters, rows of figures, notes; printed and saved."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    command: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    live: bool = False  # echo each row to stderr as it is added (long runs)
    started: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.UTC))
    load_at_start: list[float] | None = field(
        default_factory=lambda: (
            [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
        )
    )

    def add(self, row: dict[str, Any]) -> None:
        for key in row:
            if key not in self.columns:
                self.columns.append(key)
        self.rows.append(row)
        if self.live:
            print("  " + "  ".join(f"{k}={_cell(v)}" for k, v in row.items()), file=sys.stderr)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "date": self.started.isoformat(timespec="seconds"),
            "duration_s": round((_dt.datetime.now(_dt.UTC) - self.started).total_seconds(), 1),
            "command": self.command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "machine": {**machine_info(), "load_avg_at_start": self.load_at_start},
            "commit": git_commit(),
            "params": self.params,
            "columns": self.columns,
            "rows": self.rows,
            "notes": self.notes,
            **({"extra": self.extra} if self.extra else {}),
        }

    def write(self, directory: Path | None = None) -> Path:
        directory = directory or results_dir()
        directory.mkdir(parents=True, exist_ok=True)
        stamp = self.started.strftime("%Y%m%dT%H%M%SZ")
        path = directory / f"{self.name}-{stamp}.json"
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path

    def finish(self, *, write: bool = True, show: bool = True) -> Path | None:
        """Print the table (and notes); write the JSON file; return its path."""
        if show:
            print_table(self.name, self.columns, self.rows)
            for text in self.notes:
                print(f"  note: {text}")
        path = self.write() if write else None
        if show and path is not None:
            print(f"  results: {path}")
        return path
