"""Every benchmark is `atocore bench NAME`; the quick ones run end to end on tiny sizes.

(The figures themselves are in docs/benchmarks.md; these tests only check
that each benchmark runs and reports its rows.)
"""

from __future__ import annotations

import os

import pytest

from atocore.bench.harness import repeat, scratch_data_dir

BENCHMARKS = [
    "vectors",
    "keywords",
    "cli",
    "locomo",
    "vault",
    "hooks",
    "warm-hook",
    "extractor",
    "backup",
    "engineering",
    "ingest",
    "memory-loop",
    "mirror",
    "query-embed",
]


def test_every_benchmark_is_a_bench_command():
    from atocore.cli.bench import bench_app

    assert sorted(c.name for c in bench_app.registered_commands) == sorted(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_bench_command_help(cli, name):
    result = cli("bench", name, "--help")
    assert result.exit_code == 0, result.output
    assert "Baseline" in result.stdout  # says what it is compared with
    assert "--no-write" in result.stdout and "--json" in result.stdout


@pytest.mark.parametrize(
    "name, args, column, first",
    [
        ("memory-loop", ["--sizes", "5,10", "--runs", "1"], "operation", "full scan, prompt"),
        ("mirror", ["--entities", "40", "--runs", "1"], "step", "load"),
        ("backup", ["--vectors", "100", "--text-mb", "1", "--runs", "1"], "operation", "file"),
        ("extractor", [], "extractor", "current"),
    ],
)
def test_quick_benchmark_runs_in_its_own_data_dir(cli, data_dir, name, args, column, first):
    """ATOCORE_DATA_DIR names the user's data: a benchmark never writes there."""
    data = cli.json("bench", name, *args, "--no-write")
    assert data["rows"] and data["rows"][0][column].startswith(first)
    assert not data_dir.exists()
    assert os.environ["ATOCORE_DATA_DIR"] == str(data_dir)


def test_bench_refuses_data_dir_option(cli, tmp_path):
    mine = tmp_path / "mine"
    result = cli("--data-dir", mine, "bench", "memory-loop", "--sizes", "5", "--runs", "1")
    assert result.exit_code == 2
    assert "--data-dir" in result.output
    assert not mine.exists()


def test_scratch_data_dir_restores_the_environment(tmp_path, data_dir):
    from atocore.config import get_settings

    with scratch_data_dir(tmp_path / "bench") as path:
        assert get_settings().data_dir == path
    assert get_settings().data_dir == data_dir
    assert len(repeat(lambda: None, 3)) == 3


def test_bench_locomo_takes_holdout(cli, tmp_path):
    dataset = tmp_path / "locomo.json"
    dataset.write_text('[{"sample_id": "conv-x", "conversation": {}, "qa": []}]')
    result = cli("bench", "locomo", dataset, "--holdout", "conv-z", "--no-write")
    assert result.exit_code == 2
    assert "unknown conversations" in result.output and "conv-z" in result.output


def test_ingest_rescan_vault_of_k_chunk_notes_is_rescanned_without_embedding(tmp_path):
    """`bench ingest --rescan-chunks-per-note K`: K chunks a note, and the timed
    re-scans re-embed nothing (the stand-in embedder loads no model)."""
    from atocore.bench.harness import Report
    from atocore.bench.ingest import ConstantEmbedder, rescan
    from atocore.db import open_db
    from atocore.embed.model import OFFLINE_MODEL_ID

    report = Report("ingest")
    data = rescan(report, tmp_path, 25, 3, ConstantEmbedder(OFFLINE_MODEL_ID, 384))
    with scratch_data_dir(data):
        conn = open_db(create=False)
        per_note = conn.execute(
            "SELECT count(*) FROM source_chunks GROUP BY document_id"
        ).fetchall()
        conn.close()
    assert [n for (n,) in per_note] == [3] * 25
    row = report.rows[-1]
    assert (row["notes"], row["chunks"], row["notes re-embedded"]) == (25, 75, 0)
    assert row["vault bytes"] > 25 * 3 * 100 and row["DB bytes"] > 0


def test_bench_ingest_refuses_bad_rescan_sizes(cli):
    result = cli("bench", "ingest", "--rescan-notes", "10000,many", "--no-write")
    assert result.exit_code == 2
    assert "--rescan-notes" in result.output
