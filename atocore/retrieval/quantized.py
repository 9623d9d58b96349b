"""A binary-quantized prefilter over the chunk vectors, for large stores.

Exact search in sqlite-vec scans every float vector (≈ 65 ms at 100K
384-dim vectors on a shared 2-core box). This index keeps one sign bit per
dimension of each *centred* unit vector and answers in three stages:

1. Hamming distance (numpy XOR + popcount) over all bits keeps
   ``COARSE_FACTOR * m`` candidates;
2. an asymmetric score (the float query against each candidate's ±1
   signs) keeps ``m = max(MIN_CANDIDATES, k * oversample)``;
3. those are re-scored with an int8 copy of their vectors (cosine within
   ~1e-3 of the float one; see :func:`encode`).

``oversample`` is calibrated when the index is built (leave-one-out recall
on a sample of stored vectors); when no step reaches :data:`RECALL_FLOOR`
the index is marked unusable and searches stay exact. A search scoped to
one project runs the same stages over that project's vectors only, with a
larger ``m`` (:func:`scoped_candidates`) that includes a share of the
project, calibrated the same way (:func:`calibrate_scope`).

Everything lives in plain SQLite tables created at runtime (their shape
depends on the embedding dimension), written in the caller's transaction:

``chunk_vectors_bq_meta``      dim, words per vector, block size, mean, build size,
                               bytes of an id and of a project code in the blocks
``chunk_vectors_bq_blocks``    ``block_size`` slots per row: chunk ids, project
                               codes (-1 = free slot) and the bits, word-major,
                               so a cold search reads a few hundred blobs
``chunk_vectors_bq_rows``      one row per vector: its slot and its re-scoring
                               copy (int8 codes + a float32 scale, 388 B for
                               384 dims: ten rows a page; an index built before
                               holds float32 blobs, read as such until rebuilt)
``chunk_vectors_bq_projects``  project name ↔ small integer code

Centring (subtracting the mean unit vector before taking signs) matters:
real sentence embeddings share a common direction, and without it most
bits are the same for every chunk. The mean is fixed when the index is
built; :mod:`atocore.retrieval.vectors` rebuilds it when the store has
grown several-fold since.

numpy is imported inside the functions only (``atocore --help`` must not
pay for it).
"""

from __future__ import annotations

import collections
import functools
import threading
from typing import Any

from atocore.db.types import Connection

META = "chunk_vectors_bq_meta"
BLOCKS = "chunk_vectors_bq_blocks"
ROWS = "chunk_vectors_bq_rows"
PROJECTS = "chunk_vectors_bq_projects"
TABLES = (META, BLOCKS, ROWS, PROJECTS)

# Slots per block. A block is allocated whole, so the last one is partly empty:
# 2,048 keeps that under ~0.2 B a vector at 100K (4,096 cost 1.4 B).
BLOCK_SIZE = 2048
# Bytes of a chunk id and of a project code in the blocks: 4 and 2 (54 B a
# vector with the bits, 60 with 8 and 4) while every id and code fits; an
# index built before these keys existed holds 8 and 4, and :func:`fits` tells
# the caller to rebuild when a write would overflow them.
WIDTHS = {"id_bytes": (4, 8), "code_bytes": (2, 4)}
# Candidates re-scored per query: max(MIN_CANDIDATES, k * oversample), where
# oversample is calibrated when the index is built (see :func:`calibrate`);
# OVERSAMPLE is the fallback for an index built before calibration existed.
OVERSAMPLE = 20
OVERSAMPLE_STEPS = (5, 10, 20, 40, 80)
MIN_CANDIDATES = 100
# The Hamming stage keeps this many times the candidates re-scored with floats;
# an asymmetric bit score picks the final ones among them (see prefilter()).
COARSE_FACTOR = 5
# Scoped searches look at a sparser pool, whose neighbours are farther away
# and harder to rank from sign bits: they re-score PROJECT_FACTOR times more,
# and at least PROJECT_MIN_CANDIDATES. The count re-scored is what limits (a
# wider Hamming stage changed nothing). Measured at 100K, one project of ten
# (candidates → recall, CPU ms): k=10 800→0.976/9.4, 1,200→0.987/8.6,
# 1,600→0.989/12.8; k=50 1,500→0.958/13.3, 2,000→0.976/13.7.
PROJECT_FACTOR = 8
PROJECT_MIN_CANDIDATES = 1_200
# ... and at least a share of the project's own vectors, calibrated per index
# (see :func:`calibrate_scope`): when a project's neighbours are sparse (a
# project scattered through a large store) its top-k reaches into vectors that
# sign bits rank poorly, and the candidates needed grow with the project's size.
# Measured at 1M, one project of ten (100K vectors, float re-scoring): 1,200
# candidates gave recall@10 0.908, 4% 0.977, 8% 0.995 (k=50: 0.709, -, 0.970).
# Steps about √2 apart: a doubling step cost up to twice the CPU needed.
PROJECT_SHARE_STEPS = (0.005, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.11, 0.16, 0.23, 0.32)
SCOPE_CALIBRATION_MIN = 2_000
DEFAULT_PROJECT_SHARE = 0.08
# Calibration: the smallest oversample whose leave-one-out recall reaches
# RECALL_TARGET is kept; below RECALL_FLOOR at the largest step the index is
# marked unusable and searches stay exact (data without structure, e.g. i.i.d.
# random vectors, where sign bits cannot separate neighbours).
# The floor sits above the 0.95 goal because leave-one-out ran ~0.02 more
# optimistic than held-out queries on unstructured data (bench, random kind).
RECALL_TARGET = 0.98
RECALL_FLOOR = 0.97
# ... and unusable too when the calibrated candidate count would exceed this
# share of the store: re-scoring that many rows costs about as much as the
# exact scan (measured: 800 candidates of 20,000 were no faster than exact).
MAX_CANDIDATE_SHARE = 0.02
CALIBRATION_QUERIES = 48
CALIBRATION_KS = (10,)
_IN_BATCH = 900

_cache_lock = threading.Lock()
# (database file, index version) -> arrays, shared by every connection of this
# process to that file. Each write through this module stores a fresh random
# version token, in its own transaction, so a cached entry can never outlive
# the data it was read from, and a rolled-back write's token is never reused.
# Writes to other tables do not touch the token (the server logs interactions
# all the time and must not drop the cache for them).
_cache: collections.OrderedDict[tuple, dict] = collections.OrderedDict()
_CACHE_ENTRIES = 4


def exists(conn: Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (META,)).fetchone()
    return row is not None


def drop(conn: Connection) -> None:
    for name in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def forget(conn: Connection) -> None:
    """Drop the cached arrays of ``conn``'s database (benchmarks: a cold search)."""
    where = _database_file(conn)
    with _cache_lock:
        for key in [k for k in _cache if k[0] == where]:
            del _cache[key]


def _database_file(conn: Connection) -> Any:
    row = conn.execute("PRAGMA database_list").fetchone()
    path = row[2] if row is not None else ""
    # an in-memory or temporary database has no name to share: key it by
    # connection (holding the connection so its id is not reused meanwhile)
    return path if path else ("conn", id(conn), conn)


def _new_version(conn: Connection) -> None:
    """Mark the index changed (call inside the writing transaction)."""
    import secrets

    conn.execute(
        f"INSERT OR REPLACE INTO {META}(key, value) VALUES ('version', ?)",
        (secrets.randbits(62),),
    )


def _create(conn: Connection) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value)")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {BLOCKS} (block INTEGER PRIMARY KEY, used INTEGER NOT NULL,"
        " ids BLOB NOT NULL, codes BLOB NOT NULL, bits BLOB NOT NULL)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {ROWS} (id INTEGER PRIMARY KEY, block INTEGER NOT NULL,"
        " slot INTEGER NOT NULL, code INTEGER NOT NULL, vec BLOB NOT NULL)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {PROJECTS}"
        " (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
    )


def _dtypes(meta: dict[str, Any]) -> tuple[str, str]:
    """numpy dtypes of the ids and project codes in this index's blocks."""
    return f"<i{int(meta.get('id_bytes', 8))}", f"<i{int(meta.get('code_bytes', 4))}"


def _widths(max_id: int, projects: int) -> dict[str, int]:
    """The narrowest id and code widths holding ``max_id`` and ``projects`` codes."""
    need = {"id_bytes": max_id, "code_bytes": projects}
    return {
        key: narrow if need[key] < 2 ** (8 * narrow - 1) else wide
        for key, (narrow, wide) in WIDTHS.items()
    }


def fits(conn: Connection, ids: list[int], projects: set[str]) -> bool:
    """Whether ``ids`` and ``projects`` fit the widths of the index's blocks."""
    meta = read_meta(conn)
    known = {r[0] for r in conn.execute(f"SELECT name FROM {PROJECTS}")}
    needed = _widths(max(ids, default=0), len(known | projects))
    return all(int(meta.get(key, WIDTHS[key][1])) >= needed[key] for key in WIDTHS)


def read_meta(conn: Connection) -> dict[str, Any]:
    """The index's settings: dim, words, block_size, mean, built_count, oversample..."""
    return {row[0]: row[1] for row in conn.execute(f"SELECT key, value FROM {META}")}


_meta = read_meta


def info(conn: Connection) -> dict[str, Any] | None:
    """Shape of the index, or None when there is none."""
    if not exists(conn):
        return None
    meta = _meta(conn)
    count, blocks = conn.execute(
        f"SELECT coalesce(sum(used), 0), count(*) FROM {BLOCKS}"
    ).fetchone()
    return {
        "dim": int(meta["dim"]),
        "block_size": int(meta["block_size"]),
        "built_count": int(meta["built_count"]),
        "vectors": int(count),
        "blocks": int(blocks),
        "oversample": int(meta.get("oversample", OVERSAMPLE)),
        "calibrated_recall": meta.get("calibrated_recall"),
        "project_share": float(meta.get("project_share", 0.0)),
        "calibrated_scoped_recall": meta.get("calibrated_scoped_recall"),
        "usable": bool(int(meta.get("usable", 1))),
    }


def usable(conn: Connection) -> bool:
    """Whether calibration found the index good enough to replace exact search."""
    row = conn.execute(f"SELECT value FROM {META} WHERE key = 'usable'").fetchone()
    return row is None or bool(int(row[0]))


# --------------------------------------------------------------------------- quantizing


def _unit(matrix: Any) -> Any:
    import numpy as np

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _bits(unit: Any, mean: Any, words: int) -> Any:
    """Sign bits of ``unit - mean`` as ``(n, words)`` uint64."""
    import numpy as np

    packed = np.packbits((unit - mean) > 0, axis=1, bitorder="little")
    padded = np.zeros((packed.shape[0], words * 8), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view(np.uint64)


def encode(unit: Any, mean: Any) -> list[bytes]:
    """The re-scoring copy of each unit row: ``unit - mean`` as int8 times a float32 scale.

    One scale per vector (its largest centred component / 127) kept recall@50
    at 0.998 of the float copy on clustered 100K data (recall@10 0.989: the
    swaps are near-ties); a float32 copy cost 2,053 B a vector on disk, this
    one 410 B. float16 (0.999) would cost 819 B and break the 2 KB budget.
    """
    import numpy as np

    centred = np.asarray(unit, dtype=np.float64) - mean
    scale = np.abs(centred).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    codes = np.rint(centred / scale).astype(np.int8)
    return [c.tobytes() + np.float32(s).tobytes() for c, s in zip(codes, scale[:, 0], strict=True)]


def _dequantize(joined: bytes, dim: int, mean: Any) -> Any:
    import numpy as np

    raw = np.frombuffer(joined, np.uint8).reshape(-1, dim + 4)
    scale = np.ascontiguousarray(raw[:, dim:]).view("<f4")
    return raw[:, :dim].view(np.int8) * scale + mean.astype(np.float32)


def decode(blobs: list[bytes], dim: int, mean: Any) -> Any:
    """``(n, dim)`` float32 rows back from :func:`encode`'s blobs (or float32 ones)."""
    import numpy as np

    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    packed = lengths != 4 * dim
    if packed.all():  # every row an int8 copy: no masking (a third of the CPU at 8,000 rows)
        return _dequantize(b"".join(blobs), dim, mean)
    out = np.empty((len(blobs), dim), dtype=np.float32)
    if packed.any():
        out[packed] = _dequantize(
            b"".join(b for b, p in zip(blobs, packed, strict=True) if p), dim, mean
        )
    # an index written before the int8 copy: float32 blobs
    legacy = b"".join(b for b, p in zip(blobs, packed, strict=True) if not p)
    out[~packed] = np.frombuffer(legacy, dtype=np.float32).reshape(-1, dim)
    return out


# --------------------------------------------------------------------------- writing


def build(conn: Connection, dim: int, source_rows: list[tuple[int, str, bytes]]) -> int:
    """(Re)create the index from ``(chunk_id, project, float32 bytes)`` rows."""
    import numpy as np

    drop(conn)
    _create(conn)
    words = (dim + 63) // 64
    if source_rows:
        matrix = np.frombuffer(b"".join(r[2] for r in source_rows), dtype=np.float32)
        matrix = matrix.reshape(len(source_rows), dim)
        mean = _unit(matrix.astype(np.float64)).mean(axis=0)
    else:
        matrix = np.zeros((0, dim), dtype=np.float32)
        mean = np.zeros(dim, dtype=np.float64)
    conn.executemany(
        f"INSERT INTO {META}(key, value) VALUES (?, ?)",
        [
            ("dim", int(dim)),
            ("words", words),
            ("block_size", BLOCK_SIZE),
            ("mean", mean.astype(np.float32).tobytes()),
            ("built_count", len(source_rows)),
            *_widths(
                max((r[0] for r in source_rows), default=0), len({r[1] or "" for r in source_rows})
            ).items(),
        ],
    )
    _new_version(conn)
    if source_rows:
        upsert(conn, [(r[0], r[1]) for r in source_rows], matrix)
        oversample, measured = calibrate(matrix, mean, words)
        cheap = max(MIN_CANDIDATES, 10 * oversample) <= MAX_CANDIDATE_SHARE * len(source_rows)
        share, scoped = calibrate_scope(
            matrix, mean, words, [r[1] or "" for r in source_rows], oversample
        )
        conn.executemany(
            f"INSERT OR REPLACE INTO {META}(key, value) VALUES (?, ?)",
            [
                ("oversample", oversample),
                ("calibrated_recall", measured),
                ("usable", int(measured >= RECALL_FLOOR and cheap)),
                ("project_share", share),
                ("calibrated_scoped_recall", scoped),
            ],
        )
    return len(source_rows)


def calibrate(matrix: Any, mean: Any, words: int, seed: int = 0) -> tuple[int, float]:
    """Pick the oversample for this data: ``(oversample, recall@k it reached)``.

    Leave-one-out: a sample of stored vectors serve as queries; for each step
    of :data:`OVERSAMPLE_STEPS` (smallest first) the quantized search's top-k
    (k in :data:`CALIBRATION_KS`) is compared with the exact top-k of the other
    vectors. The first step whose worst mean recall reaches
    :data:`RECALL_TARGET` wins; else the best step is returned.
    """
    import numpy as np

    n = matrix.shape[0]
    if n < 2:
        return OVERSAMPLE_STEPS[0], 1.0
    everyone = np.arange(n)
    probes = _Probes(matrix, mean, words, everyone, seed)
    return probes.first(OVERSAMPLE_STEPS, lambda step, k: max(MIN_CANDIDATES, k * step))


def calibrate_scope(
    matrix: Any, mean: Any, words: int, projects: list[str], oversample: int, seed: int = 0
) -> tuple[float, float | None]:
    """Pick the share of a project re-scored by scoped searches: ``(share, recall@k)``.

    Leave-one-out as in :func:`calibrate`, within the largest project that
    holds at most half the store (a larger one is as dense as the store; with
    one project, scoping changes nothing), counting only the share, not the
    floors of :func:`scoped_candidates`: the share is what carries over to the
    larger project of a grown store, until the next rebuild measures again.
    A project too small to tell (under :data:`SCOPE_CALIBRATION_MIN`) gets
    :data:`DEFAULT_PROJECT_SHARE` (recall None).
    """
    import math

    import numpy as np

    labels = np.asarray(projects, dtype=object)
    names, counts = np.unique(labels, return_counts=True)
    minority = [(c, p) for p, c in zip(names, counts, strict=True) if 2 * c <= len(projects)]
    if not minority:
        return 0.0, 1.0
    size, project = max(minority)
    if size < SCOPE_CALIBRATION_MIN:
        return DEFAULT_PROJECT_SHARE, None
    probes = _Probes(matrix, mean, words, np.flatnonzero(labels == project), seed)
    return probes.first(
        PROJECT_SHARE_STEPS,
        lambda share, k: max(k * oversample, MIN_CANDIDATES, math.ceil(share * (size - 1))),
    )


class _Probes:
    """Leave-one-out queries over ``pool`` (rows of ``matrix``) and their exact answers."""

    def __init__(self, matrix: Any, mean: Any, words: int, pool: Any, seed: int) -> None:
        import numpy as np

        rows = matrix if len(pool) == len(matrix) else matrix[pool]
        unit = _unit(rows.astype(np.float32))
        self.dim = unit.shape[1]
        self.bits = np.ascontiguousarray(_bits(unit, mean, words).T)
        n = len(pool)
        rng = np.random.default_rng(seed)
        sample = rng.choice(n, size=min(CALIBRATION_QUERIES, n), replace=False)
        self.ks = [k for k in CALIBRATION_KS if k < n] or [n - 1]
        self.everyone = np.arange(n)
        self.n = n
        self.probes = []
        for s in sample:
            scores = unit @ unit[s]
            scores[s] = -np.inf  # the query itself is not an answer
            centred = unit[s].astype(np.float64) - mean
            truth = {k: set(np.argpartition(-scores, k - 1)[:k].tolist()) for k in self.ks}
            self.probes.append((scores, centred, hamming(self.bits, centred), truth))

    def recall(self, wanted_for_k: Any) -> float:
        """Worst mean recall@k over :data:`CALIBRATION_KS` with ``wanted_for_k(k)`` candidates."""
        import numpy as np

        reached = 1.0
        for k in self.ks:
            wanted = min(self.n, wanted_for_k(k) + 1)  # +1: the query itself
            hits = 0
            for scores, centred, ham, truth in self.probes:
                cand = prefilter(self.bits, self.everyone, centred, self.dim, wanted, ham=ham)
                top = cand[np.argpartition(-scores[cand], k - 1)[:k]]
                hits += len(truth[k] & set(top.tolist()))
            reached = min(reached, hits / (k * len(self.probes)))
        return reached

    def first(self, steps: Any, wanted: Any) -> tuple[Any, float]:
        """The first step reaching :data:`RECALL_TARGET`, else the best: ``(step, recall)``."""
        best = (steps[-1], 0.0)
        for step in steps:
            reached = round(self.recall(lambda k, step=step: wanted(step, k)), 4)
            if reached >= RECALL_TARGET:
                return step, reached
            if reached > best[1]:
                best = (step, reached)
        return best


def _project_codes(conn: Connection, projects: set[str]) -> dict[str, int]:
    conn.executemany(
        f"INSERT OR IGNORE INTO {PROJECTS}(name) VALUES (?)", [(p,) for p in sorted(projects)]
    )
    return {row[1]: row[0] for row in conn.execute(f"SELECT code, name FROM {PROJECTS}")}


class _Blocks:
    """Blocks loaded for modification, written back by :meth:`save`."""

    def __init__(self, conn: Connection, meta: dict[str, Any]) -> None:
        self.conn, self.words, self.size = conn, int(meta["words"]), int(meta["block_size"])
        self.id_dtype, self.code_dtype = _dtypes(meta)
        self.loaded: dict[int, dict[str, Any]] = {}
        self.new: set[int] = set()

    def get(self, block: int) -> dict[str, Any]:
        import numpy as np

        if block not in self.loaded:
            row = self.conn.execute(
                f"SELECT used, ids, codes, bits FROM {BLOCKS} WHERE block = ?", (block,)
            ).fetchone()
            self.loaded[block] = {
                "used": int(row[0]),
                "ids": np.frombuffer(row[1], dtype=self.id_dtype).copy(),
                "codes": np.frombuffer(row[2], dtype=self.code_dtype).copy(),
                "bits": np.frombuffer(row[3], dtype=np.uint64).reshape(self.words, -1).copy(),
            }
        return self.loaded[block]

    def create(self) -> int:
        import numpy as np

        row = self.conn.execute(f"SELECT max(block) FROM {BLOCKS}").fetchone()
        block = max([row[0] or 0, *self.loaded]) + 1
        self.loaded[block] = {
            "used": 0,
            "ids": np.zeros(self.size, dtype=self.id_dtype),
            "codes": np.full(self.size, -1, dtype=self.code_dtype),
            "bits": np.zeros((self.words, self.size), dtype=np.uint64),
        }
        self.new.add(block)
        return block

    def free_slots(self, wanted: int) -> list[tuple[int, int]]:
        """``wanted`` free (block, slot) pairs, filling existing blocks first."""
        import numpy as np

        found: list[tuple[int, int]] = []
        if wanted <= 0:
            return found
        partly_free = [
            row[0]
            for row in self.conn.execute(
                f"SELECT block FROM {BLOCKS} WHERE used < ? ORDER BY block", (self.size,)
            )
        ]
        for block in partly_free:
            free = np.flatnonzero(self.get(block)["codes"] < 0).tolist()
            found.extend((block, slot) for slot in free[: wanted - len(found)])
            if len(found) == wanted:
                return found
        while len(found) < wanted:
            block = self.create()
            need = min(self.size, wanted - len(found))
            found.extend((block, slot) for slot in range(need))
        return found

    def save(self) -> None:
        for block, data in self.loaded.items():
            params = (
                int(data["used"]),
                data["ids"].tobytes(),
                data["codes"].tobytes(),
                data["bits"].tobytes(),
                block,
            )
            if block in self.new:
                self.conn.execute(
                    f"INSERT INTO {BLOCKS}(used, ids, codes, bits, block) VALUES (?, ?, ?, ?, ?)",
                    params,
                )
            else:
                self.conn.execute(
                    f"UPDATE {BLOCKS} SET used = ?, ids = ?, codes = ?, bits = ? WHERE block = ?",
                    params,
                )


def _slots_of(conn: Connection, ids: list[int]) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        marks = ",".join("?" * len(batch))
        for row in conn.execute(f"SELECT id, block, slot FROM {ROWS} WHERE id IN ({marks})", batch):
            found[row[0]] = (row[1], row[2])
    return found


def upsert(conn: Connection, keys: list[tuple[int, str]], matrix: Any) -> None:
    """Add or replace ``(chunk_id, project)`` rows with the float vectors of ``matrix``."""
    import numpy as np

    if not keys:
        return
    meta = _meta(conn)
    dim, words = int(meta["dim"]), int(meta["words"])
    mean = np.frombuffer(meta["mean"], dtype=np.float32).astype(np.float64)
    matrix = np.asarray(matrix, dtype=np.float32).reshape(len(keys), dim)
    latest = {int(cid): i for i, (cid, _) in enumerate(keys)}  # last write wins
    order = list(latest.values())
    ids = [int(keys[i][0]) for i in order]
    matrix = matrix[order]
    unit = _unit(matrix.astype(np.float64))
    bits = _bits(unit, mean, words)
    copies = encode(unit, mean)
    codes = _project_codes(conn, {keys[i][1] or "" for i in order})
    blocks = _Blocks(conn, meta)
    where = _slots_of(conn, ids)
    fresh = [cid for cid in ids if cid not in where]
    where.update(zip(fresh, blocks.free_slots(len(fresh)), strict=True))
    rows = []
    for n, cid in enumerate(ids):
        block, slot = where[cid]
        data = blocks.get(block)
        code = codes[keys[order[n]][1] or ""]
        if data["codes"][slot] < 0:
            data["used"] += 1
        data["ids"][slot] = cid
        data["codes"][slot] = code
        data["bits"][:, slot] = bits[n]
        rows.append((cid, block, slot, code, copies[n]))
    blocks.save()
    conn.executemany(
        f"INSERT OR REPLACE INTO {ROWS}(id, block, slot, code, vec) VALUES (?, ?, ?, ?, ?)", rows
    )
    _new_version(conn)


def delete(conn: Connection, chunk_ids: list[int]) -> None:
    meta = _meta(conn)
    blocks = _Blocks(conn, meta)
    where = _slots_of(conn, [int(c) for c in chunk_ids])
    for block, slot in where.values():
        data = blocks.get(block)
        if data["codes"][slot] >= 0:
            data["used"] -= 1
        data["codes"][slot] = -1
        data["ids"][slot] = 0
        data["bits"][:, slot] = 0
    blocks.save()
    conn.executemany(f"DELETE FROM {ROWS} WHERE id = ?", [(c,) for c in where])
    _new_version(conn)


# --------------------------------------------------------------------------- searching


def hamming(bits: Any, centred_query: Any) -> Any:
    """Hamming distance of every column of word-major ``bits`` to the query's signs."""
    import numpy as np

    words = bits.shape[0]
    qbits = _bits(centred_query[None, :], 0.0, words)[0]
    ham = np.bitwise_count(bits[0] ^ qbits[0]).astype(np.uint16)
    for word in range(1, words):
        ham += np.bitwise_count(bits[word] ^ qbits[word])
    return ham


def lowest(distances: Any, count: int) -> Any:
    """Indices of ``count`` of the smallest ``distances`` (small non-negative integers).

    A counting selection: one histogram finds the distance at which ``count``
    is reached, two scans take everything below it and the first ties at it
    (about half of ``argpartition``'s CPU at 300K; docs/benchmarks.md).
    """
    import numpy as np

    reached = np.bincount(distances).cumsum()
    edge = int(np.searchsorted(reached, count))
    below = np.flatnonzero(distances < edge)
    ties = np.flatnonzero(distances == edge)[: count - below.size]
    return np.concatenate((below, ties))


def prefilter(
    bits: Any, pool: Any, centred_query: Any, dim: int, wanted: int, ham: Any = None
) -> Any:
    """The ``wanted`` most promising entries of ``pool`` (indices into ``bits``' columns).

    Two cheap stages over the word-major ``(words, n)`` sign bits: Hamming
    distance to the query's own bits keeps ``COARSE_FACTOR * wanted``; then
    the asymmetric score (the float query against each candidate's ±1 signs,
    which loses far less than quantizing the query too) keeps ``wanted``.
    ``ham`` may hold :func:`hamming`'s result when the caller already has it.
    """
    import numpy as np

    coarse = min(pool.size, wanted * COARSE_FACTOR)
    if coarse < pool.size:
        if ham is None and 2 * pool.size < bits.shape[1]:  # a project's share: its bits only
            ham = hamming(bits[:, pool], centred_query)
        else:
            ham = hamming(bits, centred_query) if ham is None else ham
            if pool.size != ham.size:  # the pool is not every slot (freed ones, a project)
                ham = ham[pool]
        pool = pool[lowest(ham, coarse)]
    if wanted >= pool.size:
        return pool
    # Σ over set bits of the query's components (ranks like Σ q·(±1)), one
    # byte at a time through a 256-entry table per byte position: no BLAS,
    # whose threads fare badly on a busy machine with mixed dtypes; one 1-D
    # take per byte position (half the CPU of one 2-D fancy index at 40K rows).
    packed = np.ascontiguousarray(bits[:, pool].T).view(np.uint8).T.copy()  # (bytes, n)
    width = packed.shape[0]
    query = np.zeros(width * 8)
    query[:dim] = centred_query
    table = query.reshape(width, 8) @ _BYTE_BITS().T  # (bytes, 256)
    score = np.zeros(pool.size)
    for position in range(width):
        score += table[position].take(packed[position])
    return pool[np.argpartition(-score, wanted - 1)[:wanted]]


@functools.cache
def _BYTE_BITS() -> Any:  # a constant, built on first use
    """``(256, 8)`` float table: bit i (little-endian) of each byte value."""
    import numpy as np

    return ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)


def _arrays(conn: Connection) -> dict[str, Any]:
    """All blocks as flat arrays, cached per database file and index version."""
    if conn.in_transaction:
        return _read_arrays(conn)[1]
    conn.execute("BEGIN")  # the version and the blocks from one snapshot
    try:
        version = conn.execute(f"SELECT value FROM {META} WHERE key = 'version'").fetchone()
        key = (_database_file(conn), version[0] if version else None)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        arrays = _read_arrays(conn)[1]
    finally:
        conn.execute("COMMIT")
    with _cache_lock:
        _cache[key] = arrays
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return arrays


def _read_arrays(conn: Connection) -> tuple[Any, dict[str, Any]]:
    import numpy as np

    meta = _meta(conn)
    words = int(meta["words"])
    id_dtype, code_dtype = _dtypes(meta)
    ids, codes, bits = [], [], []
    for row in conn.execute(f"SELECT ids, codes, bits FROM {BLOCKS} ORDER BY block"):
        ids.append(np.frombuffer(row[0], dtype=id_dtype))
        codes.append(np.frombuffer(row[1], dtype=code_dtype))
        bits.append(np.frombuffer(row[2], dtype=np.uint64).reshape(words, -1))
    arrays = {
        "dim": int(meta["dim"]),
        "words": words,
        "oversample": int(meta.get("oversample", OVERSAMPLE)),
        "share": float(meta.get("project_share", 0.0)),
        "mean": np.frombuffer(meta["mean"], dtype=np.float32).astype(np.float64),
        "ids": np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
        "codes": np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
        "bits": np.concatenate(bits, axis=1) if bits else np.zeros((words, 0), dtype=np.uint64),
        "projects": {r[1]: r[0] for r in conn.execute(f"SELECT code, name FROM {PROJECTS}")},
    }
    return meta.get("version"), arrays


def _vectors_of(conn: Connection, ids: list[int]) -> tuple[list[int], list[bytes]]:
    got_ids: list[int] = []
    blobs: list[bytes] = []
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a third less CPU than Row at 8,000 rows
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        marks = ",".join("?" * len(batch))
        for cid, vec in cursor.execute(f"SELECT id, vec FROM {ROWS} WHERE id IN ({marks})", batch):
            got_ids.append(cid)
            blobs.append(vec)
    return got_ids, blobs


def scoped_candidates(size: int, k: int, oversample: int, least: int, share: float) -> int:
    """How many of a ``size``-vector project a scoped search re-scores."""
    import math

    wanted = max(k * oversample, least) * PROJECT_FACTOR
    return min(size, max(wanted, PROJECT_MIN_CANDIDATES, math.ceil(share * size)))


def search(
    conn: Connection,
    query: Any,
    k: int,
    *,
    project: str | None = None,
    oversample: int | None = None,
    min_candidates: int | None = None,
) -> list[tuple[int, float]]:
    """Hamming prefilter, then cosine re-scoring on the int8 copy: ``(chunk_id, distance)``."""
    import numpy as np

    arrays = _arrays(conn)
    q = np.asarray(query, dtype=np.float64).reshape(-1)
    if q.shape[0] != arrays["dim"]:
        from atocore.errors import InvalidInput

        raise InvalidInput(
            f"query has {q.shape[0]} dimensions, the vector store has {arrays['dim']}"
        )
    codes = arrays["codes"]
    if project:
        code = arrays["projects"].get(project)
        if code is None:
            return []
        pool = np.flatnonzero(codes == code)
    else:
        pool = np.flatnonzero(codes >= 0)
    if pool.size == 0 or k <= 0:
        return []
    oversample = arrays["oversample"] if oversample is None else oversample
    min_candidates = MIN_CANDIDATES if min_candidates is None else min_candidates
    if project:
        wanted = scoped_candidates(pool.size, k, oversample, min_candidates, arrays["share"])
    else:
        wanted = min(pool.size, max(k * oversample, min_candidates))
    if wanted < pool.size:
        qnorm = np.linalg.norm(q) or 1.0
        pool = prefilter(arrays["bits"], pool, (q / qnorm) - arrays["mean"], arrays["dim"], wanted)
    got_ids, blobs = _vectors_of(conn, [int(i) for i in arrays["ids"][pool]])
    if not got_ids:
        return []
    matrix = decode(blobs, arrays["dim"], arrays["mean"])
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix)) * (np.linalg.norm(q) or 1.0)
    norms[norms == 0] = 1.0
    # einsum, not BLAS: its threads spin on a busy box (3x the CPU past ~1,000 rows)
    distances = 1.0 - np.einsum("ij,j->i", matrix, q.astype(np.float32)) / norms
    order = np.lexsort((np.asarray(got_ids), distances))[:k]
    return [(int(got_ids[i]), float(distances[i])) for i in order]
