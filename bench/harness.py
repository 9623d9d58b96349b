"""The benchmark harness lives in :mod:`atocore.bench.harness` (installed with
atocore, so ``atocore bench`` works from any checkout); this re-export keeps
``python bench/<script>.py`` scripts short."""

from atocore.bench.harness import (  # noqa: F401
    Report,
    git_commit,
    machine_info,
    print_table,
    results_dir,
    summarize,
    time_each,
)
