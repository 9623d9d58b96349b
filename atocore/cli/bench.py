"""``atocore bench``: reproducible performance figures (see docs/benchmarks.md).

Each subcommand prints a table and writes ``bench/results/<name>-<stamp>.json``
(machine, date, commit, parameters, figures). The benchmark code lives in
``atocore.bench``; these commands only parse options.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import JsonOpt, new_app, print_json, refuse_url, state
from atocore.errors import InvalidInput

bench_app = new_app(
    "Benchmarks: print a table, write JSON results under bench/results/ (see docs/benchmarks.md)."
)

BENCH_LOCAL = "benchmarks measure this machine with their own data dirs"
NoWriteOpt = Annotated[bool, typer.Option("--no-write", help="Do not write the JSON results file.")]


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def _command() -> str:
    return "atocore " + shlex.join(sys.argv[1:]) if sys.argv else "atocore bench"


def _output(no_write: bool) -> dict[str, Any]:
    """What every benchmark is told about its output: write the results file,
    print the table (not with --json), and the command line that ran it."""
    return {"write": not no_write, "show": not state.json, "command": _command()}


def _print_json(report: Any) -> None:
    if state.json:
        print_json(report.to_dict())


def _int_list(text: str, what: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput(f"{what} must be comma-separated integers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise InvalidInput(f"{what} must be positive integers, got {text!r}")
    return values


@bench_app.command("vectors")
def vectors_cmd(
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated store sizes, e.g. 10000,100000.")
    ] = "10000,100000",
    kinds: Annotated[
        str, typer.Option("--kinds", help="Data kinds: random, clustered (comma-separated).")
    ] = "random,clustered",
    queries: Annotated[int, typer.Option("--queries", min=1, help="Queries per run.")] = 200,
    slow_queries: Annotated[
        int, typer.Option("--slow-queries", min=1, help="Queries for the slow exact baseline.")
    ] = 50,
    k: Annotated[int, typer.Option("-k", min=1, help="Neighbours per query.")] = 10,
    projects: Annotated[
        int, typer.Option("--projects", min=1, help="Projects the vectors are spread over.")
    ] = 5,
    float_baseline: Annotated[
        bool,
        typer.Option("--float-baseline", help="Also measure the float32 re-scoring copy."),
    ] = False,
    project_factor_baseline: Annotated[
        int | None,
        typer.Option(
            "--project-factor-baseline",
            min=1,
            help="Also measure scoped search with this candidate factor.",
            show_default=False,
        ),
    ] = None,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Vector search latency (p50/p99) and recall@k vs exact, with baselines."""
    refuse_url("bench", BENCH_LOCAL)
    from atocore.bench.vector_search import KINDS, run

    size_list = _int_list(sizes, "--sizes")
    kind_list = [kind.strip() for kind in kinds.split(",") if kind.strip()]
    unknown = [kind for kind in kind_list if kind not in KINDS]
    if unknown or not kind_list:
        raise InvalidInput(f"--kinds must be among {', '.join(KINDS)}, got {kinds!r}")
    report = run(
        sizes=size_list,
        kinds=kind_list,
        queries=queries,
        slow_queries=slow_queries,
        k=k,
        projects=projects,
        float_baseline=float_baseline,
        project_factor_baseline=project_factor_baseline,
        **_output(no_write),
    )
    _print_json(report)


@bench_app.command("keywords")
def keywords_cmd(
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated store sizes in chunks of real prose.")
    ] = "10000,100000",
    workdir: Annotated[
        Path,
        typer.Option("--workdir", help="Where the stores are built (and reused next time)."),
    ] = Path("/tmp/atocore-bench-keywords"),
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per prompt.")] = 5,
    budgets: Annotated[
        str | None,
        typer.Option(
            "--budgets",
            help="Keyword match budgets to compare (comma list; default: the shipped one).",
            show_default=False,
        ),
    ] = None,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Pack CPU at scale with the keyword-work cap, next to the uncapped baseline."""
    refuse_url("bench", BENCH_LOCAL)
    from atocore.bench.keyword_scale import run

    report = run(
        sizes=_int_list(sizes, "--sizes"),
        workdir=workdir,
        runs=runs,
        budgets=_int_list(budgets, "--budgets") if budgets else None,
        **_output(no_write),
    )
    _print_json(report)


@bench_app.command("cli")
def cli_cmd(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per command.")] = 10,
    warmup: Annotated[
        int, typer.Option("--warmup", min=0, help="Untimed runs first (warm the file cache).")
    ] = 1,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Cold start-up of `atocore --help` and `atocore status`, with interpreter baselines."""
    refuse_url("bench", BENCH_LOCAL)
    from atocore.bench.cli_latency import run

    report = run(runs=runs, warmup=warmup, **_output(no_write))
    _print_json(report)


@bench_app.command("locomo")
def locomo_cmd(
    path: Annotated[
        Path, typer.Argument(help="LoCoMo-format JSON file (read only, never copied).")
    ],
    budgets: Annotated[
        str, typer.Option("--budgets", help="Comma-separated pack budgets in characters.")
    ] = "1000,2000,4000",
    configs: Annotated[
        str,
        typer.Option("--configs", help="Configurations: bm25, vector, rrf, atocore (comma list)."),
    ] = "bm25,vector,rrf,atocore",
    conversations: Annotated[
        int | None, typer.Option("--conversations", min=1, help="Only the first N conversations.")
    ] = None,
    limit_questions: Annotated[
        int | None,
        typer.Option("--limit-questions", min=1, help="Only the first N questions of each."),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir", help="Keep the vaults and ingested data dir here (reused next run)."
        ),
    ] = None,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Context-pack evidence recall on LoCoMo, with BM25/vector/RRF baselines."""
    refuse_url("bench", BENCH_LOCAL)
    from atocore.bench.locomo import CONFIGS, run

    config_list = [c.strip() for c in configs.split(",") if c.strip()]
    unknown = [c for c in config_list if c not in CONFIGS]
    if unknown or not config_list:
        raise InvalidInput(f"--configs must be among {', '.join(CONFIGS)}, got {configs!r}")
    report = run(
        path,
        budgets=_int_list(budgets, "--budgets"),
        configs=config_list,
        conversations=conversations,
        limit_questions=limit_questions,
        work_dir=work_dir,
        **_output(no_write),
    )
    _print_json(report)


@bench_app.command("vault")
def vault_cmd(
    budgets: Annotated[
        str, typer.Option("--budgets", help="Comma-separated pack budgets in characters.")
    ] = "1000,2000",
    cost_chunks: Annotated[
        int,
        typer.Option("--cost-chunks", min=0, help="Also time search on N prose chunks (0: no)."),
    ] = 0,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per prompt.")] = 5,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Recall of vault-aware retrieval on our Obsidian-style test vault, with the baseline."""
    refuse_url("bench", BENCH_LOCAL)
    from atocore.bench.vault import run

    report = run(
        budgets=_int_list(budgets, "--budgets"),
        cost_chunks=cost_chunks,
        runs=runs,
        **_output(no_write),
    )
    _print_json(report)
