"""``atocore bench``: reproducible performance figures (see docs/benchmarks.md).

Each subcommand prints a table and writes ``bench/results/<name>-<stamp>.json``
(machine, date, commit, parameters, figures). The benchmark code lives in
``atocore.bench`` (one module each, imported only when its command runs);
these commands only parse options.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from atocore.cli.common import JsonOpt, new_app, print_json, refuse_url, state
from atocore.errors import InvalidInput

bench_app = new_app(
    "Benchmarks: print a table, write JSON results under bench/results/ (see docs/benchmarks.md)."
)

NoWriteOpt = Annotated[bool, typer.Option("--no-write", help="Do not write the JSON results file.")]


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def _command() -> str:
    return "atocore " + shlex.join(sys.argv[1:]) if sys.argv else "atocore bench"


@bench_app.callback()
def _own_data_dirs(ctx: typer.Context) -> None:
    # Benchmarks build their own data dirs on this machine: --data-dir is refused,
    # and ATOCORE_DATA_DIR (which that global option also reads) must not pin the
    # settings to the user's data, so the data-dir override is dropped and each
    # benchmark points the variable at its own dir.
    from atocore.config import set_overrides

    root = ctx.find_root()
    source = root.get_parameter_source("data_dir")
    if source is not None and source.name == "COMMANDLINE":
        raise InvalidInput("bench does not take --data-dir: benchmarks build their own data dirs")
    set_overrides(url=root.params.get("url"))


def _run(benchmark: Callable[..., Any], no_write: bool, *args: Any, **params: Any) -> None:
    """Run ``benchmark(*args, **params)`` with what every benchmark is told about its
    output: write the results file (not with --no-write), print the table (not
    with --json, which prints the whole result instead) and the command line."""
    refuse_url("bench", "benchmarks measure this machine with their own data dirs")
    output = {"write": not no_write, "show": not state.json, "command": _command()}
    report = benchmark(*args, **params, **output)
    if state.json:
        print_json(report.to_dict())


def _str_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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
    layout_baseline: Annotated[
        bool,
        typer.Option(
            "--layout-baseline",
            help="Also measure the block layout before (8-byte ids, 4-byte codes, 4,096 slots).",
        ),
    ] = False,
    share_baseline: Annotated[
        bool,
        typer.Option("--share-baseline", help="Also scope without the calibrated project share."),
    ] = False,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Vector search latency (p50/p99) and recall@k at 10K-100K+ stored vectors.

    Baselines in the same run: sqlite-vec's exact scan and numpy's exact search
    in memory (recall 1.0 by definition). Quick at the defaults (a few minutes).
    """
    from atocore.bench.vector_search import KINDS, run

    size_list = _int_list(sizes, "--sizes")
    kind_list = _str_list(kinds)
    unknown = [kind for kind in kind_list if kind not in KINDS]
    if unknown or not kind_list:
        raise InvalidInput(f"--kinds must be among {', '.join(KINDS)}, got {kinds!r}")
    _run(
        run,
        no_write,
        sizes=size_list,
        kinds=kind_list,
        queries=queries,
        slow_queries=slow_queries,
        k=k,
        projects=projects,
        float_baseline=float_baseline,
        project_factor_baseline=project_factor_baseline,
        layout_baseline=layout_baseline,
        share_baseline=share_baseline,
    )


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
    server: Annotated[
        bool, typer.Option("--server", help="Also measure `atocore serve`'s memory per store.")
    ] = False,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Pack CPU at 10K-1M chunks of real prose with the keyword-work cap.

    Baseline in the same run: the same packs with the cap off (uncapped BM25);
    overlap@50 says how much of the uncapped top 50 the cap keeps.
    """
    from atocore.bench.keyword_scale import run

    _run(
        run,
        no_write,
        sizes=_int_list(sizes, "--sizes"),
        workdir=workdir,
        runs=runs,
        budgets=_int_list(budgets, "--budgets") if budgets else None,
        server=server,
    )


@bench_app.command("cli")
def cli_cmd(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per command.")] = 10,
    warmup: Annotated[
        int, typer.Option("--warmup", min=0, help="Untimed runs first (warm the file cache).")
    ] = 1,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Cold start-up of `atocore --help` and `atocore status` as fresh processes.

    Baselines in the same run: `python -c pass`, `python -c "import typer"` and a
    bare Typer app; an import profile checks that no heavy module is loaded.
    """
    from atocore.bench.cli_latency import run

    _run(run, no_write, runs=runs, warmup=warmup)


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
        typer.Option(
            "--configs", help="Configurations: bm25, vector, rrf, raw, atocore (comma list)."
        ),
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
    holdout: Annotated[
        str,
        typer.Option("--holdout", help="Conversation ids reported apart (comma list)."),
    ] = "",
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Context-pack evidence recall on LoCoMo conversations at character budgets.

    Baselines in the same run: BM25 only, vector only, their RRF fusion, and the
    shipped ranking cut to the budget without a pack (`raw`).
    """
    from atocore.bench.locomo import CONFIGS, run

    config_list = _str_list(configs)
    unknown = [c for c in config_list if c not in CONFIGS]
    if unknown or not config_list:
        raise InvalidInput(f"--configs must be among {', '.join(CONFIGS)}, got {configs!r}")
    _run(
        run,
        no_write,
        path,
        budgets=_int_list(budgets, "--budgets"),
        configs=config_list,
        conversations=conversations,
        limit_questions=limit_questions,
        work_dir=work_dir,
        holdout=_str_list(holdout),
    )


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
    """Recall@k and pack recall of vault-aware retrieval on our Obsidian-style test vault.

    Baseline in the same run: the retriever without note titles, aliases, tags
    and links (chunk text, heading and title only).
    """
    from atocore.bench.vault import run

    _run(
        run,
        no_write,
        budgets=_int_list(budgets, "--budgets"),
        cost_chunks=cost_chunks,
        runs=runs,
    )


TextOpt = Annotated[
    Literal["synthetic", "docstrings"],
    typer.Option(
        "--text",
        help="Chunk text: a ~100-word vocabulary (the keyword worst case) or real "
        "docstrings of the stdlib and atocore's dependencies.",
    ),
]


@bench_app.command("hooks")
def hooks_cmd(
    chunks: Annotated[
        int, typer.Option("--chunks", min=1, help="Synthetic corpus size.")
    ] = 100_000,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed warm requests.")] = 30,
    cold_runs: Annotated[
        int, typer.Option("--cold-runs", min=1, help="Timed hooks with no server.")
    ] = 5,
    idle_s: Annotated[
        float, typer.Option("--idle-s", min=0, help="Seconds of idle CPU measured.")
    ] = 60.0,
    vault_files: Annotated[
        int, typer.Option("--vault-files", min=1, help="Notes in the watched vault.")
    ] = 2000,
    vectors: Annotated[
        Literal["clustered", "random"], typer.Option("--vectors", help="Vector data kind.")
    ] = "clustered",
    text: TextOpt = "synthetic",
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Prompt-hook latency through a warm server and cold, server RSS, watch idle CPU.

    Baselines in the same run: `python -c pass` and `atocore --help` (the process
    floor) and `GET /projects/p05` (the HTTP floor).
    """
    from atocore.bench.hooks import run

    _run(
        run,
        no_write,
        chunks=chunks,
        runs=runs,
        cold_runs=cold_runs,
        idle_s=idle_s,
        vault_files=vault_files,
        vectors=vectors,
        text=text,
    )


@bench_app.command("warm-hook")
def warm_hook_cmd(
    chunks: Annotated[int, typer.Option("--chunks", min=1, help="Synthetic corpus size.")] = 10_000,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed warm prompts.")] = 30,
    boot_runs: Annotated[
        int, typer.Option("--boot-runs", min=1, help="Timed first prompts after boot.")
    ] = 5,
    text: TextOpt = "synthetic",
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """The prompt hook as `atocore claude install` writes it: first prompt after boot, warm.

    Baselines in the same run: the warm server through the earlier entry
    (`atocore hook prompt`, taking turns with the installed one), and the
    install before warm-by-default (data dir only, no server: the hook process
    builds the pack itself); `python -c pass` takes turns with every row.
    """
    from atocore.bench.warm_hook import run

    _run(run, no_write, chunks=chunks, runs=runs, boot_runs=boot_runs, text=text)


@bench_app.command("extractor")
def extractor_cmd(
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", help="Also score the extractor of this git commit.", show_default=False
        ),
    ] = None,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Extractor precision and recall on our labelled exchanges (tests/fixtures).

    Baseline in the same run: the extractor of the `--baseline` commit.
    """
    from atocore.bench.extractor import run

    _run(run, no_write, baseline=baseline)


@bench_app.command("backup")
def backup_cmd(
    vectors: Annotated[
        int, typer.Option("--vectors", min=0, help="384-dim vectors in the database.")
    ] = 50_000,
    text_mb: Annotated[
        int, typer.Option("--text-mb", min=0, help="MB of chunk-like text rows.")
    ] = 100,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per operation.")] = 3,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Backup create / validate / restore time and MB/s on a generated database.

    Baseline in the same run: a plain file copy of the stopped database.
    """
    from atocore.bench.backup import run

    _run(run, no_write, vectors=vectors, text_mb=text_mb, runs=runs)


@bench_app.command("engineering")
def engineering_cmd(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed writes per kind.")] = 200,
    query_runs: Annotated[
        int, typer.Option("--query-runs", min=1, help="Timed runs per query.")
    ] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the generated data.")] = 5,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Entity writes, conflict checks and catalog queries on a 1000-entity project.

    Baselines in the same run: a raw SQL INSERT of one entity row (writes) and
    loading the graph (queries).
    """
    from atocore.bench.engineering import run

    _run(run, no_write, runs=runs, query_runs=query_runs, seed=seed)


@bench_app.command("ingest")
def ingest_cmd(
    notes: Annotated[
        int, typer.Option("--notes", min=1, help="Notes ingested with the real model.")
    ] = 150,
    rescan_notes: Annotated[
        str,
        typer.Option(
            "--rescan-notes",
            help="Comma-separated notes of the re-scanned vaults, e.g. 10000,250000 "
            "(the first is the baseline).",
        ),
    ] = "10000",
    rescan_chunks_per_note: Annotated[
        int,
        typer.Option("--rescan-chunks-per-note", min=1, help="Chunks of each re-scanned note."),
    ] = 1,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """First-ingest throughput and unchanged re-scan time of generated vaults.

    Baselines in the same run: fastembed's own embed() and our embedder alone on
    the exact texts the pipeline embeds; the first --rescan-notes vault for the
    re-scans of the others.
    """
    from atocore.bench.ingest import run

    _run(
        run,
        no_write,
        notes=notes,
        rescan_notes=_int_list(rescan_notes, "--rescan-notes"),
        rescan_chunks_per_note=rescan_chunks_per_note,
    )


@bench_app.command("memory-loop")
def memory_loop_cmd(
    sizes: Annotated[
        str, typer.Option("--sizes", help="Comma-separated numbers of active memories.")
    ] = "100,1000,10000",
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed calls per operation.")] = 20,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """The pack's memory slot and reinforcement at 100-10K active memories.

    Baseline in the same run: a full scan that tokenizes every memory in scope
    (what both did before the token index).
    """
    from atocore.bench.memory_loop import run

    _run(run, no_write, sizes=_int_list(sizes, "--sizes"), runs=runs)


@bench_app.command("mirror")
def mirror_cmd(
    entities: Annotated[
        int, typer.Option("--entities", min=1, help="Active entities in the project.")
    ] = 1000,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per step.")] = 5,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Human Mirror render time of a generated project, step by step.

    Baseline in the same run: loading the graph alone (the SQL floor), then
    facts, rendering, a cold write and a no-op re-render.
    """
    from atocore.bench.mirror import run

    _run(run, no_write, entities=entities, runs=runs)


@bench_app.command("query-embed")
def query_embed_cmd(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed warm queries.")] = 50,
    cold_runs: Annotated[
        int, typer.Option("--cold-runs", min=1, help="Timed cold `atocore context` processes.")
    ] = 5,
    no_write: NoWriteOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Query embedding cost, warm in one process and in cold `atocore context` processes.

    Baselines in the same run: fastembed's query_embed (warm) and
    `atocore context --mode bm25`, which embeds nothing (cold).
    """
    from atocore.bench.query_embed import run

    _run(run, no_write, runs=runs, cold_runs=cold_runs)
