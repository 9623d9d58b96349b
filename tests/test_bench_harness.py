"""Benchmark harness and `atocore bench vectors|cli` (tiny sizes: correctness only)."""

from __future__ import annotations

import json

import pytest

from atocore.bench.harness import Report, machine_info, summarize


@pytest.fixture
def results(tmp_path, monkeypatch):
    path = tmp_path / "results"
    monkeypatch.setenv("ATOCORE_BENCH_RESULTS", str(path))
    return path


def test_summarize_percentiles():
    stats = summarize([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert stats["n"] == 100
    assert stats["p50_ms"] == 50.0
    assert stats["p99_ms"] == 99.0
    assert stats["min_ms"] == 1.0
    assert summarize([])["n"] == 0


def test_report_writes_json_with_machine_and_commit(results, capsys):
    report = Report("demo", params={"n": 3}, command="atocore bench demo")
    report.add({"method": "a", "p50_ms": 1.5})
    report.add({"method": "b", "p50_ms": 2.5, "extra": True})
    path = report.finish()
    assert path.parent == results and path.name.startswith("demo-")
    data = json.loads(path.read_text())
    assert data["command"] == "atocore bench demo"
    assert data["columns"] == ["method", "p50_ms", "extra"]
    assert [r["method"] for r in data["rows"]] == ["a", "b"]
    assert {"cpu", "cores", "ram_gib", "python", "sqlite", "sqlite_vec"} <= set(data["machine"])
    assert "sha" in data["commit"]
    assert "demo" in capsys.readouterr().out


def test_machine_info_names_the_sqlite_stack():
    info = machine_info()
    assert info["sqlite_vec"] and info["sqlite"].count(".") == 2


def test_bench_vectors_cli_json(cli, results):
    data = cli.json(
        "bench", "vectors", "--sizes", "600", "--kinds", "clustered,random",
        "--queries", "4", "--slow-queries", "2",
    )  # fmt: skip
    methods = {(r["data"], r["method"]) for r in data["rows"]}
    assert ("clustered", "sqlite-vec exact (baseline)") in methods
    assert ("random", "numpy exact, in memory (baseline)") in methods
    assert ("clustered", "atocore quantized (forced)") in methods
    exact = [r for r in data["rows"] if r["method"].startswith("sqlite-vec exact")]
    assert all(r["recall@10"] == 1.0 for r in exact)
    assert data["params"]["sizes"] == [600]
    written = list(results.glob("vector_search-*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["rows"] == data["rows"]


def test_bench_vectors_no_write(cli, results):
    result = cli(
        "bench", "vectors", "--sizes", "300", "--kinds", "clustered",
        "--queries", "2", "--slow-queries", "1", "--no-write",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "vector_search" in result.stdout
    assert not results.exists() or not list(results.iterdir())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sizes", "ten"], "--sizes"),
        (["--sizes", "0"], "--sizes"),
        (["--kinds", "gaussian"], "--kinds"),
    ],
)
def test_bench_vectors_bad_input(cli, results, args, message):
    result = cli("bench", "vectors", *args, "--no-write")
    assert result.exit_code == 2
    assert message in result.output
    assert not results.exists()


def test_bench_cli_json(cli, results):
    data = cli.json("bench", "cli", "--runs", "1", "--warmup", "0", "--no-write")
    commands = [r["command"] for r in data["rows"]]
    assert "atocore --help" in commands and "atocore status" in commands
    assert any("baseline" in c for c in commands)
    assert data["extra"]["import_profile"]["heavy_imported"] == []
    assert not results.exists()


@pytest.mark.parametrize("text", ["synthetic", "docstrings"])
def test_hook_bench_corpus(data_dir, embedder, text):
    from atocore.bench.hooks import build_corpus
    from atocore.db import open_db
    from atocore.retrieval.fts import search_fts

    corpus = build_corpus(data_dir, 25, per_doc=10, text=text)
    assert corpus["chunks"] == 25
    conn = open_db()
    try:
        rows = conn.execute("SELECT text FROM source_chunks").fetchall()
        docs = conn.execute("SELECT sum(chunk_count), count(*) FROM source_documents").fetchone()
        vectors = conn.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0]
        assert tuple(docs) == (25, 3) and vectors == 25
        if text == "docstrings":  # real prose, not the synthetic vocabulary
            assert all(len(r["text"]) >= 80 for r in rows)
            assert len({w for r in rows for w in r["text"].lower().split()}) > 300
        words = rows[0]["text"].split()[:3]
        assert search_fts(conn, " ".join(words), 5)  # the keyword index was built
    finally:
        conn.close()


def test_docstring_corpus_ignores_extra_installed_packages(tmp_path, monkeypatch):
    import sysconfig

    from atocore.bench.hooks import docstring_chunks

    before = docstring_chunks(25)
    extra = tmp_path / "site-packages" / "extra_tool"
    extra.mkdir(parents=True)
    (extra / "__init__.py").write_text(f'"""{"An extra tool nobody asked for. " * 10}"""\n')
    paths = {**sysconfig.get_paths(), "purelib": str(tmp_path / "site-packages")}
    monkeypatch.setattr(sysconfig, "get_paths", lambda *a, **k: paths)
    monkeypatch.syspath_prepend(str(tmp_path / "site-packages"))
    assert docstring_chunks(25) == before
