"""Hook and server figures: prompt-hook latency warm vs cold, server RSS, watch idle CPU.

1. A synthetic corpus of ``--chunks`` chunks (random text from a fixed
   vocabulary, random unit vectors recorded under the real model id, plus
   project state) is written straight into a temp data dir — embedding that
   many chunks for real would take hours here; search cost does not depend
   on what the vectors say.
2. ``atocore serve`` starts on it (model warmed). Measured in the same run:
   ``POST /context/build`` and ``POST /hooks/prompt`` (what a relayed hook
   waits for) from a kept-alive client, a fresh hook process against that
   server (``atocore hook prompt``, the entry ``claude install`` writes, and
   ``python -m atocore.hooks prompt``),
   the same hook with no server (local mode: the process loads the model), and
   the baselines ``python -c pass`` and ``atocore --help`` (process floor).
3. Server RSS after start (model warm) and after the requests.
4. Idle CPU over ``--idle-s`` seconds of ``atocore watch`` on a vault of
   ``--vault-files`` notes, next to the idle server in the same window.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from atocore.bench.cli_latency import atocore_argv, time_command
from atocore.bench.harness import Report, byte_compile_atocore, summarize

WORDS = (
    "mirror mount kinematic flexure invar bench laser interferometer fringe phase wavefront "
    "alignment tilt piston thermal drift vibration isolation breadboard optic lens beam "
    "splitter detector camera reference arm sample stage actuator piezo controller loop "
    "calibration tolerance requirement budget error model analysis mesh load stress "
    "displacement mode frequency damping bracket bolt washer spacer material steel aluminium "
    "ceramic glass coating polish surface figure roughness metrology frame support lateral "
    "axial pad whiffletree cell barrel housing enclosure cable sensor temperature humidity"
).split()

PROMPTS = [
    "what holds the reference mirror and why did we choose it?",
    "how is the interferometer isolated from floor vibration?",
    "which material is the metrology frame made of?",
    "what is the thermal drift budget of the bench?",
    "how do we calibrate the piezo actuator loop?",
    "what surface figure do the optics need?",
]

# questions a developer might ask of a corpus of Python documentation
DOC_PROMPTS = [
    "how do I parse a date string with a timezone offset?",
    "what happens when the socket connection times out?",
    "how are default arguments validated in the model schema?",
    "which encoding is used when reading a file without one?",
    "how do I iterate over the rows of an array in chunks?",
    "what does the lock guarantee when two threads write at once?",
]
TEXTS = ("synthetic", "docstrings")


# Where the real prose comes from: the standard library and the packages atocore itself
# depends on, never whatever else is installed, so adding a tool to the venv does not
# change the corpus (a package that is missing is skipped).
DOC_PACKAGES = (
    "click",
    "fastapi",
    "fastembed",
    "httpx",
    "jinja2",
    "markdown_it",
    "mcp",
    "numpy",
    "platformdirs",
    "pydantic",
    "rich",
    "starlette",
    "typer",
    "uvicorn",
    "watchfiles",
    "yaml",
)


def doc_source_files() -> list[str]:
    """The .py files :func:`docstring_chunks` reads, sorted: the stdlib (without any
    site-packages inside it) and the installed :data:`DOC_PACKAGES`."""
    import importlib.util
    import sysconfig

    roots = [sysconfig.get_paths()["stdlib"]]
    for name in DOC_PACKAGES:
        spec = importlib.util.find_spec(name)  # finds, does not import
        roots += list(spec.submodule_search_locations or []) if spec else []
    files: set[str] = set()
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("site-packages", "dist-packages")]
            files.update(os.path.join(folder, n) for n in names if n.endswith(".py"))
    return sorted(files)


def docstring_chunks(limit: int, seed: int = 0) -> list[str]:
    """Up to ``limit`` ~300-char chunks of real technical English: the docstrings of
    the stdlib and atocore's own dependencies (:func:`doc_source_files`), paragraphs
    packed in order."""
    import ast

    files = doc_source_files()
    random.Random(seed).shuffle(files)
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    out: list[str] = []
    for path in files:
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            doc = ast.get_docstring(node) if isinstance(node, kinds) else None
            current = ""
            for para in (doc or "").split("\n\n"):
                para = " ".join(para.split())
                if len(current) >= 80 and len(current) + len(para) > 300:
                    out.append(current)
                    current = ""
                current = f"{current} {para}".strip()
            if len(current) >= 80:
                out.append(current)
            if len(out) >= limit:
                return out[:limit]
    return out


def build_corpus(
    data_dir: Path,
    chunks: int,
    *,
    seed: int = 0,
    per_doc: int = 10,
    vectors: str = "clustered",
    text: str = "synthetic",
    cycle: bool = False,
) -> dict:
    """Write ``chunks`` synthetic chunks (+ vectors, state) into a fresh data dir.

    ``vectors``: ``clustered`` (the structure of real sentence embeddings, see
    :func:`atocore.bench.vector_search.make_data`; the quantized index calibrates
    as usable, as on real notes) or ``random`` (i.i.d. unit vectors: calibration
    marks the quantized index unusable, so every search is the exact scan).
    ``text``: ``synthetic`` (words drawn uniformly from a ~100-word engineering
    vocabulary: every prompt word is in about half the chunks, the keyword
    side's worst case) or ``docstrings`` (real prose, :func:`docstring_chunks`,
    asked :data:`DOC_PROMPTS`). ``cycle``: repeat the real prose (in order) up to
    ``chunks`` when the interpreter has fewer docstring chunks than that.
    """
    import numpy as np

    os.environ["ATOCORE_DATA_DIR"] = str(data_dir)
    from atocore.context.project_state import set_state
    from atocore.db import open_db, transaction
    from atocore.embed import ensure_model, get_embedder
    from atocore.projects.registry import register_project
    from atocore.retrieval.vectors import ensure_vector_table, upsert_vectors

    started = time.perf_counter()
    root = data_dir.parent / "vault" / "p05"
    root.mkdir(parents=True, exist_ok=True)
    register_project("p05-interferometer", ["p05"], "bench", [{"source": str(root)}])
    embedder = get_embedder().load()
    rng = random.Random(seed)
    conn = open_db()
    try:
        ensure_model(conn, embedder.model_id, embedder.dim)
        ensure_vector_table(conn, embedder.dim)
        real = docstring_chunks(chunks, seed) if text == "docstrings" else None
        if real and cycle:
            real = [real[i % len(real)] for i in range(chunks)]
        if real is not None:
            chunks = len(real)
        docs = max(1, -(-chunks // per_doc))
        with transaction(conn):
            for d in range(docs):
                path = str(root / f"note-{d:06d}.md")
                cur = conn.execute(
                    "INSERT INTO source_documents (path, rel_path, project, title, content_hash, "
                    "chunk_count, embed_model) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        path,
                        f"note-{d:06d}.md",
                        "p05-interferometer",
                        f"Note {d}",
                        f"h{d}",
                        min(per_doc, chunks - d * per_doc),
                        embedder.model_id,
                    ),
                )
                doc_id = cur.lastrowid
                rows = []
                for c in range(min(per_doc, chunks - d * per_doc)):
                    if real is not None:
                        body = real[d * per_doc + c]
                        heading = " ".join(body.split()[:3]).title()
                    else:
                        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120)))
                        heading = " ".join(rng.choice(WORDS) for _ in range(3)).title()
                    rows.append(
                        (
                            doc_id,
                            "p05-interferometer",
                            c,
                            f"Note {d}",
                            heading,
                            body,
                            0,
                            len(body),
                            f"c{d}-{c}",
                        )
                    )
                conn.executemany(
                    "INSERT INTO source_chunks (document_id, project, ordinal, title, "
                    "heading_path, text, char_start, char_end, content_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        ids = [r[0] for r in conn.execute("SELECT id FROM source_chunks ORDER BY id")]
        from atocore.bench.vector_search import make_data

        matrix, _ = make_data(vectors, len(ids), 0, dim=embedder.dim, seed=seed)
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            vecs = np.asarray(matrix[start : start + 5000], dtype=np.float32)
            upsert_vectors(
                conn, [(i, "p05-interferometer", v) for i, v in zip(part, vecs, strict=True)]
            )
        set_state(conn, "p05", "decision", "mount", "kinematic three-ball mount for the mirror")
        set_state(conn, "p05", "status", "phase", "integration of the metrology frame")
        set_state(conn, "p05", "requirement", "drift", "thermal drift below 20 nm per hour")
        count = conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
    finally:
        conn.close()
    db_mb = sum(p.stat().st_size for p in data_dir.glob("atocore.db*")) / 1e6
    return {
        "chunks": count,
        "vectors": vectors,
        "text": text,
        "prompts": DOC_PROMPTS if text == "docstrings" else PROMPTS,
        "root": str(root),
        "build_s": time.perf_counter() - started,
        "db_mb": round(db_mb, 1),
    }


def memory_mb(pid: int) -> dict[str, float]:
    """Resident (``VmRSS``), peak (``VmHWM``), anonymous and file-backed MB (Linux)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def _rss_mb(pid: int) -> float:
    return memory_mb(pid).get("VmRSS", float("nan"))


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``atocore serve`` on a free loopback port, once ``/health`` answers: (process, url)."""
    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [*atocore_argv(), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _hook_argv_input(prompt: str, cwd: str) -> str:
    return json.dumps(
        {"session_id": "bench", "prompt": prompt, "cwd": cwd, "hook_event_name": "UserPromptSubmit"}
    )


def _time_hook(
    env: dict[str, str],
    cwd: str,
    runs: int,
    argv: list[str] | None = None,
    prompts: list[str] = PROMPTS,
) -> tuple[list[float], list[float], int]:
    """Fresh hook processes (default: ``python -m atocore.hooks prompt``).

    Each run is paired with a ``python -c pass`` process right before it, so
    the interpreter floor is measured under the same machine load.
    """
    argv = argv or [sys.executable, "-m", "atocore.hooks", "prompt"]
    seconds, floor, empty = [], [], 0
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, capture_output=True)
        floor_s = time.perf_counter() - start
        start = time.perf_counter()
        done = subprocess.run(
            argv,
            env=env,
            capture_output=True,
            text=True,
            input=_hook_argv_input(prompts[i % len(prompts)], cwd),
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-500:])
        if i:  # the first run is an untimed warm-up (file cache)
            seconds.append(elapsed)
            floor.append(floor_s)
            empty += not done.stdout.strip()
    return seconds, floor, empty


def _make_vault(root: Path, files: int) -> None:
    for i in range(files):
        sub = root / f"area-{i % 50:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note-{i:05d}.md").write_text(f"# Note {i}\n\nSome text about the bench {i}.\n")


def _row(label: str, stats: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "measure": label,
        "p50_ms": stats["p50_ms"],
        "p99_ms": stats["p99_ms"],
        "min_ms": stats["min_ms"],
        "runs": stats["n"],
        **extra,
    }


def run(
    *,
    chunks: int = 100_000,
    runs: int = 30,
    cold_runs: int = 5,
    idle_s: float = 60.0,
    vault_files: int = 2000,
    vectors: str = "clustered",
    text: str = "synthetic",
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    import httpx

    byte_compile_atocore()
    report = Report(
        "hook_latency",
        params={
            "chunks": chunks,
            "runs": runs,
            "cold_runs": cold_runs,
            "idle_s": idle_s,
            "vault_files": vault_files,
            "vectors": vectors,
            "text": text,
        },
        command=command,
        live=show,
    )
    with tempfile.TemporaryDirectory(prefix="atocore-bench-hooks-") as tmp:
        data_dir = Path(tmp) / "data"
        corpus = build_corpus(data_dir, chunks, vectors=vectors, text=text)
        report.extra["corpus"] = corpus
        report.note(
            f"corpus: {corpus['chunks']} {corpus['text']} chunks, {corpus['db_mb']} MB database, "
            f"built in {corpus['build_s']:.0f} s"
        )
        env = {**os.environ, "ATOCORE_DATA_DIR": str(data_dir)}
        env.pop("ATOCORE_URL", None)
        cwd = corpus["root"]
        prompts = corpus["prompts"]

        floor = summarize(time_command([sys.executable, "-c", "pass"], runs=10, env=env))
        report.add(_row("python -c pass (baseline)", floor))
        helpcmd = summarize(time_command([*atocore_argv(), "--help"], runs=10, env=env))
        report.add(_row("atocore --help (CLI process floor)", helpcmd))

        proc, url = start_server(env)
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                body = {"prompt": prompts[0], "project": "p05", "budget": 3000}
                client.post("/context/build", json=body).raise_for_status()  # model warm
                rss_start = _rss_mb(proc.pid)

                def timed(method: str, path: str, make_body) -> list[float]:
                    seconds = []
                    for i in range(runs):
                        start = time.perf_counter()
                        response = client.request(method, path, json=make_body(i))
                        seconds.append(time.perf_counter() - start)
                        response.raise_for_status()
                    return seconds

                def pack_body(mode: str):
                    return lambda i: {
                        "prompt": prompts[i % len(prompts)],
                        "project": "p05",
                        "budget": 3000,
                        "mode": mode,
                    }

                http_floor = timed("GET", "/projects/p05", lambda i: None)
                report.add(
                    _row("GET /projects/p05, warm server (HTTP floor)", summarize(http_floor))
                )
                report.add(
                    _row(
                        "POST /context/build, warm server",
                        summarize(timed("POST", "/context/build", pack_body("hybrid"))),
                    )
                )
                report.add(
                    _row(
                        "POST /context/build mode=bm25, warm server",
                        summarize(timed("POST", "/context/build", pack_body("bm25"))),
                    )
                )
                report.add(
                    _row(
                        "POST /query top_k=10, warm server",
                        summarize(
                            timed(
                                "POST",
                                "/query",
                                lambda i: {"query": prompts[i % len(prompts)], "project": "p05"},
                            )
                        ),
                    )
                )

                def hook_payload(i: int) -> dict:
                    return json.loads(_hook_argv_input(prompts[i % len(prompts)], cwd))

                report.add(
                    _row(
                        "POST /hooks/prompt, warm server (what the relayed hook waits for)",
                        summarize(timed("POST", "/hooks/prompt", hook_payload)),
                    )
                )
            warm_env = {**env, "ATOCORE_URL": url}
            hook_s, floor_s, empty = _time_hook(warm_env, cwd, runs, prompts=prompts)
            report.add(
                _row(
                    "python -m atocore.hooks prompt → warm server",
                    summarize(hook_s),
                    python_floor_p50_ms=summarize(floor_s)["p50_ms"],
                    empty_outputs=empty,
                )
            )
            cli_argv = [*atocore_argv(), "hook", "prompt"]
            cli_s, floor_s, empty = _time_hook(warm_env, cwd, runs, cli_argv, prompts)
            report.add(
                _row(
                    "atocore hook prompt → warm server (the installed hook)",
                    summarize(cli_s),
                    python_floor_p50_ms=summarize(floor_s)["p50_ms"],
                    empty_outputs=empty,
                )
            )
            rss_after = _rss_mb(proc.pid)
            report.extra["server_rss_mb"] = {"after_start": rss_start, "after_requests": rss_after}
            report.note(
                f"server RSS with {corpus['chunks']} chunks: {rss_start} MB after start "
                f"(model warm), {rss_after} MB after {2 * runs} requests"
            )

            vault = Path(tmp) / "watch-vault"
            _make_vault(vault, vault_files)
            watch_env = {**env, "ATOCORE_DATA_DIR": str(Path(tmp) / "watch-data")}
            subprocess.run(
                [*atocore_argv(), "init"], env=watch_env, capture_output=True, check=True
            )
            subprocess.run(
                [*atocore_argv(), "projects", "register", "vaultbench", "--root", str(vault)],
                env=watch_env,
                capture_output=True,
                check=True,
            )
            watcher = subprocess.Popen(
                [*atocore_argv(), "watch"],
                env=watch_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(5)  # start-up and inotify registration are not idle time
                w0, s0, t0 = _cpu_s(watcher.pid), _cpu_s(proc.pid), time.perf_counter()
                time.sleep(idle_s)
                w1, s1, t1 = _cpu_s(watcher.pid), _cpu_s(proc.pid), time.perf_counter()
                watch_rss = _rss_mb(watcher.pid)
            finally:
                watcher.terminate()
                watcher.wait(30)
            wall = t1 - t0
            watch_pct = round(100 * (w1 - w0) / wall, 3)
            server_pct = round(100 * (s1 - s0) / wall, 3)
            report.extra["idle_cpu_percent"] = {
                "watch": watch_pct,
                "server": server_pct,
                "window_s": round(wall, 1),
            }
            report.note(
                f"idle CPU over {wall:.0f} s: atocore watch ({vault_files} files, "
                f"{watch_rss} MB RSS) {watch_pct} %, idle server {server_pct} % "
                "(one core = 100 %)"
            )
        finally:
            proc.terminate()
            proc.wait(30)

        for mode in ("hybrid", "bm25"):
            cold_env = {**env, "ATOCORE_HOOK_MODE": mode}
            cold_s, floor_s, empty = _time_hook(cold_env, cwd, cold_runs, prompts=prompts)
            label = f"python -m atocore.hooks prompt, no server (cold, {mode})"
            floor_p50 = summarize(floor_s)["p50_ms"]
            report.add(
                _row(label, summarize(cold_s), python_floor_p50_ms=floor_p50, empty_outputs=empty)
            )
    report.finish(write=write, show=show)
    return report
