"""Vector store: exact and quantized search, the automatic choice, sync on writes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atocore.errors import InvalidInput, OperationFailed
from atocore.retrieval import quantized
from atocore.retrieval import vectors as V

DIM = 64


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def clustered(n_clusters: int, per: int, seed: int = 0, spread: float = 0.35):
    """Well-separated clusters: a query near a centre has its cluster as exact top hits."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((n_clusters, DIM)))
    labels = np.repeat(np.arange(n_clusters), per)
    data = _unit(centres[labels] + spread * _unit(rng.standard_normal((len(labels), DIM))))
    return centres, labels, data


def fill(conn, data: np.ndarray, projects: int = 1, start_id: int = 1) -> list[int]:
    V.ensure_vector_table(conn, data.shape[1])
    ids = list(range(start_id, start_id + len(data)))
    V.upsert_vectors(conn, [(cid, f"p{i % projects}", data[i]) for i, cid in enumerate(ids)])
    return ids


def truth(data: np.ndarray, q: np.ndarray, k: int, mask=None) -> list[int]:
    scores = _unit(data) @ (q / np.linalg.norm(q))
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return [int(i) + 1 for i in np.argsort(-scores, kind="stable")[:k]]


def ids_of(hits):
    return [h[0] for h in hits]


# The quantized path re-scores with an int8 copy: its cosine distances are
# within this of the float ones, so only neighbours that close may swap.
TOL = 3e-3


def assert_near_exact(hits, data, q, k, mask=None):
    """``hits`` are the exact top ``k`` up to swaps between near-ties."""
    exact = 1.0 - _unit(data) @ (q / np.linalg.norm(q))
    if mask is not None:
        exact = np.where(mask, exact, np.inf)
    best = np.sort(exact)[:k]
    assert len(hits) == len(best)
    assert [d for _, d in hits] == pytest.approx(best.tolist(), abs=TOL)
    for cid, _ in hits:  # anything returned is at worst a near-tie of the k-th
        assert exact[cid - 1] <= best[-1] + 2 * TOL
    clear = {i + 1 for i in np.flatnonzero(exact < best[-1] - 2 * TOL)}
    assert clear <= set(ids_of(hits))  # and nothing clearly nearer is missed


def test_small_store_is_exact_and_matches_numpy(conn):
    rng = np.random.default_rng(1)
    data = _unit(rng.standard_normal((300, DIM)))
    fill(conn, data)
    assert V.choose_mode(conn) == "exact"
    assert not quantized.exists(conn)  # below the threshold nothing extra is kept
    for q in _unit(rng.standard_normal((5, DIM))):
        hits = V.search_vectors(conn, q, 10)
        assert ids_of(hits) == truth(data, q, 10)
        assert [d for _, d in hits] == sorted(d for _, d in hits)


def test_quantized_returns_the_known_exact_top_hits(conn):
    centres, labels, data = clustered(n_clusters=40, per=25)
    fill(conn, data)
    V.build_quantized_index(conn)
    info = quantized.info(conn)
    assert info["vectors"] == len(data) and info["calibrated_recall"] >= quantized.RECALL_TARGET
    for c in (0, 7, 39):
        hits = V.search_vectors(conn, centres[c], 10, mode="quantized")
        # every top hit is a member of the queried cluster, in exact order but for near-ties
        assert all(labels[cid - 1] == c for cid in ids_of(hits))
        assert ids_of(V.search_vectors(conn, centres[c], 10, mode="exact")) == truth(
            data, centres[c], 10
        )
        assert_near_exact(hits, data, centres[c], 10)


def test_both_paths_agree_on_small_data(conn):
    _, _, data = clustered(n_clusters=20, per=15, seed=3)
    fill(conn, data)
    V.build_quantized_index(conn)
    rng = np.random.default_rng(4)
    near = _unit(data[rng.choice(len(data), 8)] + 0.2 * _unit(rng.standard_normal((8, DIM))))
    for q in near:
        exact = V.search_vectors(conn, q, 10, mode="exact")
        approx = V.search_vectors(conn, q, 10, mode="quantized")
        assert ids_of(exact) == truth(data, q, 10)
        assert_near_exact(approx, data, q, 10)
    # with every vector a candidate the re-scoring alone decides: any query agrees
    for q in _unit(rng.standard_normal((5, DIM))):
        assert_near_exact(quantized.search(conn, q, 10, min_candidates=len(data)), data, q, 10)


def test_project_scoping_on_both_paths(conn):
    centres, _, data = clustered(n_clusters=30, per=20, seed=5)
    fill(conn, data, projects=3)
    V.build_quantized_index(conn)
    project_of = np.array([i % 3 for i in range(len(data))])
    for c in (2, 11):
        exact = V.search_vectors(conn, centres[c], 10, project="p1", mode="exact")
        assert ids_of(exact) == truth(data, centres[c], 10, mask=project_of == 1)
        hits = V.search_vectors(conn, centres[c], 10, project="p1", mode="quantized")
        assert_near_exact(hits, data, centres[c], 10, mask=project_of == 1)
        assert all((cid - 1) % 3 == 1 for cid in ids_of(hits))
        assert V.search_vectors(conn, centres[c], 10, project="nope", mode="quantized") == []
        assert V.search_vectors(conn, centres[c], 10, project="nope", mode="exact") == []


def test_auto_choice_builds_and_uses_the_index_over_the_threshold(conn, monkeypatch):
    monkeypatch.setattr(V, "QUANTIZE_MIN_VECTORS", 300)
    monkeypatch.setattr(quantized, "MAX_CANDIDATE_SHARE", 1.0)  # tiny store: allow it
    centres, _, data = clustered(n_clusters=25, per=20, seed=6)
    fill(conn, data[:200])
    assert V.choose_mode(conn) == "exact" and not quantized.exists(conn)
    fill(conn, data[200:], start_id=201)  # crosses 300: index built in the upsert
    assert quantized.exists(conn)
    assert V.choose_mode(conn) == "quantized"
    assert V.vector_index_info(conn)["auto_mode"] == "quantized"
    calls = []
    real = quantized.search
    monkeypatch.setattr(quantized, "search", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    for c in (0, 13, 24):
        assert_near_exact(V.search_vectors(conn, centres[c], 10), data, centres[c], 10)
    assert len(calls) == 3  # auto really took the quantized path
    # back under the threshold: exact again (the index stays in sync meanwhile)
    V.delete_vectors(conn, list(range(1, 301)))
    assert V.choose_mode(conn) == "exact"
    assert quantized.info(conn)["vectors"] == V.count_vectors(conn) == 200


def test_unusable_calibration_keeps_search_exact(conn, monkeypatch):
    monkeypatch.setattr(V, "QUANTIZE_MIN_VECTORS", 100)
    monkeypatch.setattr(quantized, "OVERSAMPLE_STEPS", (1,))
    monkeypatch.setattr(quantized, "MIN_CANDIDATES", 10)
    rng = np.random.default_rng(7)
    data = _unit(rng.standard_normal((1500, DIM)))  # no structure: sign bits separate nothing
    fill(conn, data)
    info = quantized.info(conn)
    assert info is not None and not info["usable"]
    assert info["calibrated_recall"] < quantized.RECALL_FLOOR
    assert V.choose_mode(conn) == "exact"
    q = _unit(rng.standard_normal((1, DIM)))[0]
    assert ids_of(V.search_vectors(conn, q, 10)) == truth(data, q, 10)


def test_index_that_would_rescore_too_much_of_the_store_is_not_used(conn, monkeypatch):
    monkeypatch.setattr(V, "QUANTIZE_MIN_VECTORS", 100)
    _, _, data = clustered(n_clusters=40, per=25, seed=15)
    fill(conn, data)  # 1000 vectors: >= 100 candidates would be 10 % of the store
    info = quantized.info(conn)
    assert info["calibrated_recall"] >= quantized.RECALL_TARGET and not info["usable"]
    assert V.choose_mode(conn) == "exact"


def test_calibration_picks_a_small_oversample_for_clustered_data():
    _, _, data = clustered(n_clusters=50, per=40, seed=8)
    mean = _unit(data).astype(np.float64).mean(axis=0)
    oversample, reached = quantized.calibrate(data, mean, words=1)
    assert reached >= quantized.RECALL_TARGET
    assert oversample in quantized.OVERSAMPLE_STEPS


def test_deletes_and_upserts_keep_both_tables_in_sync(conn, monkeypatch):
    monkeypatch.setattr(quantized, "BLOCK_SIZE", 16)  # many blocks, slot reuse
    centres, labels, data = clustered(n_clusters=10, per=10, seed=9)
    fill(conn, data, projects=2)
    V.build_quantized_index(conn)
    blocks = quantized.info(conn)["blocks"]
    assert blocks == 7
    top = ids_of(V.search_vectors(conn, centres[3], 5, mode="quantized"))  # warms the cache

    V.delete_vectors(conn, top[:2])
    after = ids_of(V.search_vectors(conn, centres[3], 5, mode="quantized"))
    assert not set(top[:2]) & set(after)
    assert after == ids_of(V.search_vectors(conn, centres[3], 5, mode="exact"))

    # move chunk 1 next to centre 3, into the other project; add two new chunks
    V.upsert_vectors(
        conn,
        [(1, "p1", centres[3]), (500, "p0", centres[3] * 0.9), (501, "p0", -centres[3])],
    )
    assert V.count_vectors(conn) == quantized.info(conn)["vectors"] == 100
    assert quantized.info(conn)["blocks"] == blocks  # freed slots were reused
    for mode in ("exact", "quantized"):
        assert ids_of(V.search_vectors(conn, centres[3], 2, mode=mode)) in ([1, 500], [500, 1])
        assert ids_of(V.search_vectors(conn, centres[3], 1, project="p0", mode=mode)) == [500]
        assert 501 not in ids_of(V.search_vectors(conn, centres[3], 50, mode=mode))

    # re-upserting an id replaces it (no duplicate rows anywhere)
    V.upsert_vectors(conn, [(500, "p0", -centres[3])])
    assert V.count_vectors(conn) == quantized.info(conn)["vectors"] == 100
    assert conn.execute(f"SELECT count(*) FROM {quantized.ROWS}").fetchone()[0] == 100
    assert ids_of(V.search_vectors(conn, centres[3], 1, mode="quantized")) == [1]


def test_writes_through_another_connection_are_seen(conn, data_dir):
    from atocore.db import open_db

    centres, _, data = clustered(n_clusters=10, per=10, seed=10)
    fill(conn, data)
    V.build_quantized_index(conn)
    first = V.search_vectors(conn, centres[0], 1, mode="quantized")  # cached now
    other = open_db()
    try:
        V.upsert_vectors(other, [(999, "", centres[0])])
    finally:
        other.close()
    assert ids_of(V.search_vectors(conn, centres[0], 1, mode="quantized")) == [999]
    assert first[0][0] != 999


def test_index_is_recentred_when_the_store_grows(conn, monkeypatch):
    monkeypatch.setattr(V, "QUANTIZE_MIN_VECTORS", 50)
    _, _, data = clustered(n_clusters=20, per=20, seed=11)
    fill(conn, data[:60])
    assert quantized.info(conn)["built_count"] == 60
    fill(conn, data[60:], start_id=61)  # 400 >= 4 x 60
    assert quantized.info(conn)["built_count"] == 400


def test_drop_vectors_drops_the_index(conn):
    _, _, data = clustered(n_clusters=5, per=10, seed=12)
    fill(conn, data)
    V.build_quantized_index(conn)
    V.drop_vectors(conn)
    assert not V.table_exists(conn) and not quantized.exists(conn)
    assert V.count_vectors(conn) == 0
    assert V.search_vectors(conn, data[0], 5) == []


def test_bad_input(conn):
    _, _, data = clustered(n_clusters=5, per=10, seed=13)
    fill(conn, data)
    with pytest.raises(InvalidInput, match="mode"):
        V.search_vectors(conn, data[0], 5, mode="fast")
    with pytest.raises(OperationFailed, match="quantized"):
        V.search_vectors(conn, data[0], 5, mode="quantized")
    with pytest.raises(InvalidInput, match="dimensions"):
        V.upsert_vectors(conn, [(1000, "", data[0]), (1001, "", np.ones(DIM + 1))])
    assert V.count_vectors(conn) == 50  # nothing written
    V.build_quantized_index(conn)
    with pytest.raises(InvalidInput, match="dimensions"):
        V.search_vectors(conn, np.ones(DIM - 1), 5, mode="quantized")
    assert V.search_vectors(conn, data[0], 0) == []


def test_build_without_a_vector_table_fails_cleanly(conn):
    with pytest.raises(OperationFailed, match="no vector table"):
        V.build_quantized_index(conn)


def test_stale_index_of_another_dimension_is_rebuilt(conn):
    _, _, data = clustered(n_clusters=5, per=10, seed=14)
    fill(conn, data)
    V.build_quantized_index(conn)
    conn.execute(f"DROP TABLE {V.TABLE}")  # dropped behind the module's back
    V.ensure_vector_table(conn, 32)
    V.upsert_vectors(conn, [(1, "", np.ones(32, dtype=np.float32))])
    assert quantized.info(conn)["dim"] == 32 and quantized.info(conn)["vectors"] == 1
    assert ids_of(V.search_vectors(conn, np.ones(32), 1, mode="quantized")) == [1]


def test_repeated_id_in_one_upsert_keeps_the_last(conn):
    _, _, data = clustered(n_clusters=5, per=10, seed=16)
    fill(conn, data)
    V.build_quantized_index(conn)
    V.upsert_vectors(conn, [(7, "a", data[0]), (7, "b", data[1])])
    assert V.count_vectors(conn) == 50
    for mode in ("exact", "quantized"):
        assert V.search_vectors(conn, data[1], 1, project="b", mode=mode)[0][0] == 7
        assert V.search_vectors(conn, data[1], 1, project="a", mode=mode) == []


def test_cache_is_shared_and_survives_unrelated_writes(conn, data_dir):
    from atocore.db import open_db

    centres, _, data = clustered(n_clusters=10, per=10, seed=17)
    fill(conn, data)
    V.build_quantized_index(conn)
    cached = quantized._arrays(conn)
    conn.execute("CREATE TABLE unrelated(x)")
    conn.execute("INSERT INTO unrelated VALUES (1)")
    assert quantized._arrays(conn) is cached  # other tables do not invalidate
    other = open_db()
    try:
        assert quantized._arrays(other) is cached  # one copy per database file
    finally:
        other.close()
    V.upsert_vectors(conn, [(1, "", centres[4])])
    assert quantized._arrays(conn) is not cached


def test_rolled_back_write_is_not_served_from_the_cache(conn):
    from atocore.db.connection import transaction

    centres, _, data = clustered(n_clusters=10, per=10, seed=18)
    fill(conn, data)
    V.build_quantized_index(conn)
    before = ids_of(V.search_vectors(conn, centres[2], 3, mode="quantized"))
    with pytest.raises(RuntimeError), transaction(conn):
        V.upsert_vectors(conn, [(777, "", centres[2])])
        assert V.search_vectors(conn, centres[2], 1, mode="quantized")[0][0] == 777
        raise RuntimeError("abort")
    assert ids_of(V.search_vectors(conn, centres[2], 3, mode="quantized")) == before
    V.upsert_vectors(conn, [(778, "", centres[2])])  # a new write after the rollback
    assert V.search_vectors(conn, centres[2], 1, mode="quantized")[0][0] == 778


def test_rescoring_copy_is_int8_and_old_float_rows_still_search(conn):
    """The copy costs dim + 4 bytes a vector; an index written with float32 copies
    (before the int8 one) keeps answering and is converted by a rebuild."""
    centres, _, data = clustered(n_clusters=20, per=15, seed=12)
    fill(conn, data)
    V.build_quantized_index(conn)
    sizes = {r[0] for r in conn.execute(f"SELECT length(vec) FROM {quantized.ROWS}")}
    assert sizes == {DIM + 4}
    # the layout of an index built before: float32 copies of the stored vectors
    conn.executemany(
        f"UPDATE {quantized.ROWS} SET vec = ? WHERE id = ?",
        [(data[i].astype(np.float32).tobytes(), i + 1) for i in range(0, len(data), 2)],
    )
    quantized.forget(conn)
    for c in (1, 9):
        hits = V.search_vectors(conn, centres[c], 10, mode="quantized")
        assert_near_exact(hits, data, centres[c], 10)
    V.build_quantized_index(conn)
    sizes = {r[0] for r in conn.execute(f"SELECT length(vec) FROM {quantized.ROWS}")}
    assert sizes == {DIM + 4}


def _block_widths(conn) -> set[tuple[int, int]]:
    """(id bytes, code bytes) of every block, from the blob lengths."""
    meta = quantized.read_meta(conn)
    size = int(meta["block_size"])
    return {
        (len(r[0]) // size, len(r[1]) // size)
        for r in conn.execute(f"SELECT ids, codes FROM {quantized.BLOCKS}")
    }


def test_blocks_hold_4_byte_ids_and_2_byte_codes_and_widen_when_needed(conn):
    """Ids and project codes take 4 and 2 bytes while they fit (6 B a vector less);
    an id past 2**31 rebuilds the index with 8-byte ids and is found."""
    centres, _, data = clustered(n_clusters=20, per=15, seed=16)
    fill(conn, data, projects=3)
    V.build_quantized_index(conn)
    assert _block_widths(conn) == {(4, 2)}
    big = 2**31 + 5
    V.upsert_vectors(conn, [(big, "p1", centres[4])])
    assert _block_widths(conn) == {(8, 2)}
    hits = V.search_vectors(conn, centres[4], 10, mode="quantized")
    assert hits[0][0] == big
    scoped = V.search_vectors(conn, centres[4], 5, project="p1", mode="quantized")
    assert scoped[0][0] == big and all(cid == big or (cid - 1) % 3 == 1 for cid, _ in scoped)


def test_index_with_wide_blocks_from_before_still_searches_and_updates(conn):
    """An index built before the narrow widths (8-byte ids, 4-byte codes, no
    width keys in its meta) is read and written as it is."""
    centres, _, data = clustered(n_clusters=20, per=15, seed=17)
    fill(conn, data, projects=2)
    V.build_quantized_index(conn)
    conn.executemany(
        f"UPDATE {quantized.BLOCKS} SET ids = ?, codes = ? WHERE block = ?",
        [
            (
                np.frombuffer(r[1], "<i4").astype("<i8").tobytes(),
                np.frombuffer(r[2], "<i2").astype("<i4").tobytes(),
                r[0],
            )
            for r in conn.execute(f"SELECT block, ids, codes FROM {quantized.BLOCKS}").fetchall()
        ],
    )
    conn.execute(f"DELETE FROM {quantized.META} WHERE key IN ('id_bytes', 'code_bytes')")
    quantized.forget(conn)
    for c in (3, 12):
        assert_near_exact(
            V.search_vectors(conn, centres[c], 10, mode="quantized"), data, centres[c], 10
        )
    V.upsert_vectors(conn, [(9001, "p0", centres[8])])  # fits: written in the old widths
    assert _block_widths(conn) == {(8, 4)}
    assert V.search_vectors(conn, centres[8], 1, mode="quantized")[0][0] == 9001
    assert V.search_vectors(conn, centres[8], 1, project="p0", mode="quantized")[0][0] == 9001


def _scattered(n: int, per_topic: int, projects: int, seed: int):
    """Topics of ``per_topic`` vectors dealt round-robin to ``projects`` projects:
    a project holds a few of each topic, so its top 10 reaches far-off vectors."""
    rng = np.random.default_rng(seed)
    topics = _unit(rng.standard_normal((n // per_topic, DIM)))
    which = rng.integers(0, len(topics), n + 40)
    data = _unit(0.8 * topics[which] + 0.6 * _unit(rng.standard_normal((n + 40, DIM))))
    return data[:n], data[n:]


def _scoped_recall(conn, data, queries, project_of, k=10):
    hits = 0
    for q in queries:
        want = set(truth(data, q, k, mask=project_of == 1))
        got = {cid for cid, _ in V.search_vectors(conn, q, k, project="p1", mode="quantized")}
        hits += len(want & got)
    return hits / (k * len(queries))


def test_scoped_search_rescores_a_calibrated_share_of_a_scattered_project(conn, monkeypatch):
    """A project scattered through the store (a few vectors of each topic) has
    sparse neighbours: re-scoring a fixed number of candidates misses them as it
    grows, so the index calibrates the share of the project to re-score."""
    monkeypatch.setattr(quantized, "PROJECT_MIN_CANDIDATES", 0)  # only the share and k decide
    monkeypatch.setattr(quantized, "PROJECT_FACTOR", 1)
    monkeypatch.setattr(quantized, "MIN_CANDIDATES", 10)
    monkeypatch.setattr(quantized, "SCOPE_CALIBRATION_MIN", 500)
    data, queries = _scattered(8000, per_topic=16, projects=4, seed=18)
    fill(conn, data, projects=4)
    V.build_quantized_index(conn)
    info = quantized.info(conn)
    assert info["project_share"] > quantized.PROJECT_SHARE_STEPS[0]
    project_of = np.array([i % 4 for i in range(len(data))])
    calibrated = _scoped_recall(conn, data, queries, project_of)
    conn.execute(f"UPDATE {quantized.META} SET value = 0 WHERE key = 'project_share'")
    quantized.forget(conn)
    fixed = _scoped_recall(conn, data, queries, project_of)
    assert calibrated >= 0.95 > fixed, (calibrated, fixed)


def test_scope_calibration_needs_a_minority_project_of_some_size():
    _, _, data = clustered(n_clusters=10, per=30, seed=19)
    mean = _unit(data).astype(np.float64).mean(axis=0)
    one = quantized.calibrate_scope(data, mean, 1, ["a"] * len(data), 5)
    assert one == (0.0, 1.0)  # one project: scoping is the unscoped search
    few = quantized.calibrate_scope(data, mean, 1, [f"p{i % 3}" for i in range(len(data))], 5)
    assert few == (quantized.DEFAULT_PROJECT_SHARE, None)  # 100 vectors: too few to tell


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=300),
    st.integers(min_value=1, max_value=300),
)
def test_lowest_takes_exactly_the_smallest_distances(values, count):
    distances = np.array(values, dtype=np.uint16)
    count = min(count, distances.size)
    picked = quantized.lowest(distances, count)
    assert len(set(picked.tolist())) == picked.size == count
    assert sorted(distances[picked].tolist()) == sorted(values)[:count]
