"""Snapshot / validate / restore cost on a generated database.

A fresh data dir whose database holds ``vectors`` 384-dim vectors in a
sqlite-vec table plus ``text_mb`` of chunk-like text rows; then, in the same
run (best and median of ``runs``):

- ``file copy``        shutil.copyfile of the checkpointed database (baseline:
                       what a cold `cp` of a stopped database costs)
- ``online copy``      the SQLite backup API alone, one pass
- ``stepped copy``     the backup API in ~100 steps with a progress callback
- ``backup create``    the full command: online copy + sha256 + validation
                       (integrity_check with sqlite-vec loaded)
- ``validate``         validation of an existing snapshot
- ``restore``          restore without a pre-restore snapshot (copy + swap +
                       integrity_check)
- ``backup w/ writer`` ``backup create`` while another process commits a row
                       every ~2 ms (how long the copy takes under write load)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from atocore.bench.harness import Report, repeat, scratch_data_dir, summarize

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from atocore.db.connection import connect
    conn = connect(Path(sys.argv[1]))
    stop = Path(sys.argv[2])
    n = 0
    print("ready", flush=True)
    while not stop.exists():
        conn.execute("INSERT INTO bench_load (payload) VALUES (?)", ("w" * 500,))
        n += 1
        time.sleep(0.002)
    print(n, flush=True)
    """
)


def build(vectors: int, text_mb: int) -> None:
    """Fill the current data dir's database (see the module doc)."""
    import numpy as np

    from atocore.db import open_db
    from atocore.ops.health import init_data_dir

    init_data_dir()
    conn = open_db()
    try:
        conn.execute("CREATE VIRTUAL TABLE bench_vec USING vec0(embedding float[384])")
        conn.execute("CREATE TABLE bench_text (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        conn.execute("CREATE TABLE bench_load (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        rng = np.random.default_rng(7)
        batch = 5000
        for start in range(0, vectors, batch):
            block = rng.standard_normal((min(batch, vectors - start), 384), dtype=np.float32)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO bench_vec (rowid, embedding) VALUES (?, ?)",
                [(start + i + 1, row.tobytes()) for i, row in enumerate(block)],
            )
            conn.execute("COMMIT")
        words = "alignment thermal drift interferometer support polish frame lens".split()
        body = " ".join(words[i % len(words)] for i in range(160))  # ~1.2 KB
        rows = int(text_mb * 1024 * 1024 / len(body))
        for start in range(0, rows, 20000):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO bench_text (body) VALUES (?)",
                [(f"{n} {body}",) for n in range(start, min(rows, start + 20000))],
            )
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def run(
    *,
    vectors: int = 50_000,
    text_mb: int = 100,
    runs: int = 3,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.config import get_settings
    from atocore.ops import backup, restore

    report = Report(
        "backup",
        params={"vectors": vectors, "text_mb": text_mb, "runs": runs},
        command=command,
    )
    with (
        tempfile.TemporaryDirectory(prefix="atocore-bench-backup-") as tmp,
        scratch_data_dir(Path(tmp) / "data"),
    ):
        work = Path(tmp)
        start = time.perf_counter()
        build(vectors, text_mb)
        settings = get_settings()
        size_mb = settings.db_path.stat().st_size / 1024 / 1024
        report.note(f"database {size_mb:.1f} MB built in {time.perf_counter() - start:.1f} s")
        scratch = work / "scratch"
        scratch.mkdir()

        def add(name: str, seconds: list[float]) -> None:
            stats = summarize(seconds)
            report.add(
                {
                    "operation": name,
                    "best s": round(stats["min_ms"] / 1000, 3),
                    "median s": round(stats["p50_ms"] / 1000, 3),
                    "MB/s (best)": round(size_mb * 1000 / stats["min_ms"], 1),
                    "runs": len(seconds),
                }
            )

        add(
            "file copy (baseline)",
            repeat(lambda: shutil.copyfile(settings.db_path, scratch / "copy.db"), runs),
        )

        def online(step: int) -> None:
            target = scratch / f"online-{step}.db"
            target.unlink(missing_ok=True)
            backup._copy_database(settings.db_path, target, settings, None, step)

        add("online copy, one pass", repeat(lambda: online(-1), runs))
        pages = settings.db_path.stat().st_size // 4096
        add("online copy, ~100 steps", repeat(lambda: online(max(256, pages // 100)), runs))
        stamps: list[str] = []
        add(
            "backup create (copy+sha256+validate)",
            repeat(lambda: stamps.append(backup.create_backup(settings)["stamp"]), runs),
        )
        add("validate", repeat(lambda: backup.validate_backup(stamps[0], settings), runs))
        add(
            "restore (no pre-snapshot)",
            repeat(
                lambda: restore.restore_backup(
                    stamps[0], settings, confirm_stopped=True, pre_snapshot=False
                ),
                runs,
            ),
        )

        stop = work / "stop"
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.db_path), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        results: list[dict] = []
        loaded = repeat(lambda: results.append(backup.create_backup(settings)), runs)
        stop.touch()
        writes = int(proc.communicate(timeout=60)[0].strip())
        add("backup create, concurrent writer", loaded)
        valid = all(r["validated"] for r in results)
        restarts = [r["db"]["restarts"] for r in results]
        report.note(
            f"concurrent writer committed {writes} rows during the loaded runs; "
            f"every snapshot valid: {valid}; stepped-copy restarts: {restarts}"
        )
    report.finish(write=write, show=show)
    return report
