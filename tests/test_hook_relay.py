"""The prompt hook's fast path: stdin relayed to ``POST /hooks/NAME``.

Real processes against a real server: the hook as Claude Code starts it
(``python -m atocore.hooks`` and the ``atocore`` console script), with the
imports it makes checked, because its start-up is the latency budget.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from pathlib import Path

import pytest
from factories import HOOK, MOUNT_NOTE, run_hook, write_transcript
from serverproc import free_port, live_server

import atocore.hooks
from atocore.hooks import relay

PROMPT = "what holds the reference mirror?"
# modules the relayed hook must not need: its budget is 50 ms end to end
HEAVY_FOR_A_HOOK = ("typer", "json", "urllib", "http", "socket", "pathlib", "atocore.config")


@pytest.fixture
def vault(conn, registered_project, embedder):
    from atocore.context.project_state import set_state
    from atocore.ingest.pipeline import ingest_project

    root = registered_project({"mount.md": MOUNT_NOTE})
    ingest_project(conn, "p05")
    set_state(conn, "p05", "decision", "mount", "kinematic")
    return root


def imported(stderr: str) -> set[str]:
    """Module names from ``-X importtime`` output."""
    return {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def context_of(done) -> str:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]


# --- pieces ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://127.0.0.1:8100", ("127.0.0.1", 8100, "")),
        ("http://localhost:9/", ("localhost", 9, "")),
        ("http://box/atocore/", ("box", 80, "/atocore")),
        ("http://[::1]:8100/x", ("::1", 8100, "/x")),
        ("https://box:8100", None),
        ("http://user:pw@box:8100", None),
        ("http://box:port", None),
        ("http://", None),
        ("", None),
    ],
)
def test_target_takes_only_plain_http_urls(url, target):
    assert relay._target(url) == target


def test_parse_reads_length_chunked_and_refuses_garbage():
    plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: x\r\n\r\n{}trailing"
    assert relay._parse(plain) == (200, b"{}")
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n"
    )
    assert relay._parse(chunked) == (200, b"abcde")
    assert relay._parse(b"HTTP/1.1 204 No Content\r\n\r\n") == (204, b"")
    bad_length = b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}"
    bad_chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n"
    for garbage in (
        b"",
        b"HTTP/1.1 200 OK",
        b"hello\r\n\r\n",
        b"HTTP/1.1 abc\r\n\r\n",
        bad_length,
        bad_chunk,
    ):
        with pytest.raises(relay.RelayError):
            relay._parse(garbage)


def test_relay_steps_aside_where_the_full_hook_is_needed(monkeypatch):
    monkeypatch.setenv("ATOCORE_URL", "http://127.0.0.1:1")
    assert relay.relay("stop", b"{}") is None  # the transcript is read locally
    assert relay.relay("prompt", b'{"prompt": "a <PRIVATE>key</private>"}') is None
    monkeypatch.setenv("ATOCORE_URL", "https://box:8100")
    assert relay.relay("prompt", b"{}") is None
    monkeypatch.delenv("ATOCORE_URL")
    assert relay.relay("prompt", b"{}") is None  # local mode
    monkeypatch.setenv("ATOCORE_CONTEXT_DISABLED", "1")
    assert relay.relay("prompt", b"{}") == b""  # this machine's switch, checked here


def test_relay_query_passes_only_plain_option_values(monkeypatch):
    monkeypatch.setenv("ATOCORE_HOOK_BUDGET", "500")
    monkeypatch.setenv("ATOCORE_HOOK_MODE", "bm25&budget=9")
    assert relay._query("prompt") == "?budget=500"
    monkeypatch.setenv("ATOCORE_SESSION_BUDGET", "800")
    assert relay._query("session-start") == "?budget=800"
    assert relay._query("stop") == ""


def test_unreachable_server_is_a_relay_error(monkeypatch):
    monkeypatch.setenv("ATOCORE_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(relay.RelayError, match="cannot reach") as caught:
        relay.relay("prompt", b'{"prompt": "long enough to be a prompt"}')
    assert caught.value.code == "unavailable"


def test_server_down_hook_process_says_unavailable_and_exits_zero(data_dir):
    env = {"ATOCORE_URL": f"http://127.0.0.1:{free_port()}"}
    done = run_hook([*HOOK, "prompt"], {"prompt": PROMPT}, env)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.startswith("atocore hook: prompt: unavailable: cannot reach")
    private = {"prompt": f"<private>x</private> {PROMPT}"}  # the full handler says the same
    done = run_hook([*HOOK, "prompt"], private, env)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.startswith("atocore hook: prompt: unavailable: cannot reach")


# --- the route ------------------------------------------------------------------


def test_route_runs_the_prompt_hook(api, vault):
    done = api.post(
        "/hooks/prompt?budget=1500&mode=bm25",
        json={"session_id": "s1", "cwd": str(vault), "prompt": PROMPT},
    )
    assert done.status_code == 200
    out = done.json()["hookSpecificOutput"]
    assert out["hookEventName"] == "UserPromptSubmit"
    assert out["additionalContext"].startswith('<atocore-context project="p05-interferometer">')
    assert "three balls" in out["additionalContext"]
    short = api.post("/hooks/prompt", json={"session_id": "s1", "prompt": "hi"})
    assert short.status_code == 204 and short.content == b""
    start = api.post("/hooks/session-start", json={"cwd": str(vault)})
    assert "mount: kinematic" in start.json()["hookSpecificOutput"]["additionalContext"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/hooks/stop", {"response": "no prompt"}),
        ("/hooks/nope", {}),
        ("/hooks/prompt", ["not", "an", "object"]),
        ("/hooks/prompt?mode=fuzzy", {"prompt": PROMPT}),
        ("/hooks/prompt?budget=0", {"prompt": PROMPT}),
    ],
)
def test_route_refuses_bad_input(api, path, body):
    done = api.post(path, json=body)
    assert 400 <= done.status_code < 500
    assert "error" in done.json()


# --- real processes against a real server ---------------------------------------


def test_relayed_hooks_end_to_end(vault, conn, tmp_path, data_dir):
    console_script = Path(sys.executable).parent / "atocore"
    transcript = write_transcript(tmp_path / "t.jsonl", PROMPT)
    with live_server({"ATOCORE_API_TOKEN": "tok-1"}) as url:
        env = {"ATOCORE_URL": url, "ATOCORE_API_TOKEN": "tok-1", "ATOCORE_HOOK_BUDGET": "700"}
        ask = {"session_id": "rs", "cwd": str(vault), "prompt": PROMPT}

        # the installed hook: right answer, and none of the heavy imports
        hook = [sys.executable, "-X", "importtime", "-m", "atocore.hooks", "prompt"]
        done = run_hook(hook, ask, env)
        assert "three balls" in context_of(done)
        assert "atocore.hooks.relay" in imported(done.stderr)
        assert not imported(done.stderr) & set(HEAVY_FOR_A_HOOK)

        # the installed entry (`python -S launch.py`): the same answer, without `site`
        launcher = Path(atocore.hooks.__file__).with_name("launch.py")
        fast = run_hook(
            [sys.executable, "-S", "-X", "importtime", str(launcher), "prompt"], ask, env
        )
        assert context_of(fast) == context_of(done)
        assert "site" not in imported(fast.stderr)

        # the console script's `atocore hook prompt` takes the same path
        script = [sys.executable, "-X", "importtime", str(console_script), "hook", "prompt"]
        again = run_hook(script, ask, env)
        assert context_of(again) == context_of(done)
        assert not imported(again.stderr) & set(HEAVY_FOR_A_HOOK)

        # the stop hook records the turn; the server attaches the pack it injected
        stop = {"session_id": "rs", "cwd": str(vault), "transcript_path": str(transcript)}
        stop["last_assistant_message"] = "A kinematic mount."
        assert run_hook([*HOOK, "stop"], stop, env).returncode == 0
        row = conn.execute(
            "SELECT project, context_pack FROM interactions WHERE session_id = 'rs'"
        ).fetchone()
        assert row["project"] == "p05-interferometer"
        pack = json.loads(row["context_pack"])
        assert pack["budget"] == 700  # the client's ATOCORE_HOOK_BUDGET reached the server
        assert any("mount.md" in (b["source"] or "") for b in pack["blocks"])

        # #atocore-off through the relay switches this session off, then back on
        hook = [*HOOK, "prompt"]
        off = run_hook(hook, {**ask, "prompt": "#atocore-off for now"}, env)
        assert "off for this session" in context_of(off)
        assert run_hook(hook, ask, env).stdout == ""
        run_hook(hook, {**ask, "prompt": "#atocore-on"}, env)
        assert "three balls" in context_of(run_hook(hook, ask, env))

        # a private span takes the full path (stripped, then sent to the same route)
        private = run_hook(hook, {**ask, "prompt": f"<private>s3cr3t</private> {PROMPT}"}, env)
        assert "three balls" in context_of(private)

        # refused (no token) and disabled: exit 0, nothing on stdout
        refused = run_hook(hook, ask, {**env, "ATOCORE_API_TOKEN": ""})
        assert (refused.returncode, refused.stdout) == (0, "")
        assert "atocore hook: prompt: refused: server answered 401" in refused.stderr
        quiet = run_hook(hook, ask, {**env, "ATOCORE_CONTEXT_DISABLED": "1"})
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


@pytest.fixture
def recorder():
    """A bare HTTP server standing in for a remote atocore: records what arrives."""
    seen: list[tuple[str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_what_leaves_the_machine(recorder, data_dir):
    url, seen = recorder
    hook = [*HOOK, "prompt"]
    raw = json.dumps({"session_id": "s", "prompt": PROMPT})
    assert run_hook(hook, raw, {"ATOCORE_URL": url, "ATOCORE_HOOK_MODE": "bm25"}).stdout == ""
    assert seen[-1] == ("/hooks/prompt?mode=bm25", raw.encode())  # relayed byte for byte

    secret = {"session_id": "s", "prompt": f"<private>s3cr3t</private> {PROMPT}"}
    assert run_hook(hook, secret, {"ATOCORE_URL": url}).returncode == 0
    path, body = seen[-1]
    assert path.split("?")[0] == "/hooks/prompt"
    assert b"s3cr3t" not in body
    assert json.loads(body)["prompt"] == f"[private] {PROMPT}"


@pytest.mark.parametrize(
    ("data", "done"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n{}", False),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n{""}', True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", False),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\n\r\nno length: read to the end", False),
        (b"HTTP/1.1 200 OK\r\nContent-Len", False),
    ],
)
def test_a_response_is_complete_when_its_body_is(data, done):
    assert relay._complete(data) is done


def test_a_server_that_keeps_the_connection_open_does_not_stall_the_hook(monkeypatch):
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"

    def serve():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(answer)
        threading.Event().wait(5)  # never closes while the hook waits
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv("ATOCORE_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("ATOCORE_HOOK_TIMEOUT_SECONDS", "3")
    # reading to the end would hit the 3 s timeout (a RelayError) before the server closes
    assert relay.relay("prompt", b'{"prompt": "long enough to be a prompt"}') == b"{}"
    listener.close()


def test_the_installed_launcher_builds_the_pack_itself_when_no_server_is_set(vault, conn):
    """``python -S launch.py``: without a server the hook loads ``site`` and its
    libraries late, and answers as the full handler does."""
    launcher = Path(atocore.hooks.__file__).with_name("launch.py")
    ask = {"session_id": "ls", "cwd": str(vault), "prompt": PROMPT}
    done = run_hook([sys.executable, "-S", str(launcher), "prompt"], ask, {"ATOCORE_URL": ""})
    assert "three balls" in context_of(done)
