"""deploy/deploy.sh: usage, dry run against a real git checkout, /health verification."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "deploy" / "deploy.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def run(args, env, cwd=None):
    return subprocess.run(
        ["bash", str(args[0]), *map(str, args[1:])],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATOCORE_")}
    return {
        **clean,
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmpdir),
        "ATOCORE_BUILD_ENV_FILE": str(tmp_path / "home" / "build.env"),
        "ATOCORE_HEALTH_TRIES": "1",
        "ATOCORE_HEALTH_WAIT_S": "0",
        "ATOCORE_HEALTH_URL": "http://127.0.0.1:9/health",
    }


@pytest.fixture
def health():
    """A stand-in /health endpoint; set ``.body`` and read ``.auth``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.auth.append(self.headers.get("Authorization"))
            payload = json.dumps(state.body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    class State:
        body: dict = {}
        auth: list = []

    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/health"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def git(*args, cwd):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path):
    """An origin repo with two commits and an app-dir clone sitting on the first."""
    origin = tmp_path / "origin"
    (origin / "atocore").mkdir(parents=True)
    (origin / "deploy").mkdir()
    (origin / "atocore" / "__init__.py").write_text('__version__ = "9.9.9"\n')
    shutil.copy(SCRIPT, origin / "deploy" / "deploy.sh")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", ".", cwd=origin)
    git(*ident, "commit", "-q", "-m", "one", cwd=origin)
    app = tmp_path / "app"
    git("clone", "-q", str(origin), str(app), cwd=tmp_path)
    (origin / "README.md").write_text("two\n")
    git("add", ".", cwd=origin)
    git(*ident, "commit", "-q", "-m", "two", cwd=origin)
    return app, git("rev-parse", "HEAD", cwd=app), git("rev-parse", "HEAD", cwd=origin)


def test_script_parses_and_has_help(env):
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    shown = run([SCRIPT, "--help"], env)
    assert shown.returncode == 0 and "--verify-only" in shown.stdout
    bad = run([SCRIPT, "--frobnicate"], env)
    assert bad.returncode == 2 and "unknown option" in bad.stderr
    assert run([SCRIPT, "--mode", "k8s", "--dry-run"], env).returncode == 2


def test_dry_run_plans_everything_and_changes_nothing(env, checkout, health, tmp_path):
    app, current, target = checkout
    if shutil.which("systemctl") is None:
        pytest.skip("systemctl not installed")
    health.body = {"build_sha": "f" * 40, "version": "9.9.8"}
    env["ATOCORE_HEALTH_URL"] = health.url
    result = run([app / "deploy" / "deploy.sh", "--dry-run"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"checkout: {current}" in out and f"target:   {target}" in out
    assert f"live:     {'f' * 40}" in out
    assert f"[dry-run] git -C {app} reset --hard --quiet {target}" in out
    assert "[dry-run] systemctl --user restart atocore-serve.service" in out
    assert "pip install" in out and "nothing changed" in out
    assert git("rev-parse", "HEAD", cwd=app) == current
    assert not Path(env["ATOCORE_BUILD_ENV_FILE"]).exists()
    assert list(Path(env["TMPDIR"]).iterdir()) == []  # the private copy is cleaned up


def test_dry_run_compose_mode(env, checkout):
    app, _, target = checkout
    if shutil.which("docker") is None:
        pytest.skip("docker CLI not installed")
    result = run([app / "deploy" / "deploy.sh", "--dry-run", "--mode", "compose"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "docker compose -f" in result.stdout and "up -d --build" in result.stdout
    assert "not reachable" in result.stdout


def test_refuses_a_dirty_checkout_and_a_non_checkout(env, checkout, tmp_path):
    app, _, _ = checkout
    (app / "atocore" / "__init__.py").write_text('__version__ = "local edit"\n')
    dirty = run([app / "deploy" / "deploy.sh", "--dry-run"], env)
    assert dirty.returncode == 2 and "uncommitted changes" in dirty.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run([SCRIPT, "--dry-run", "--app-dir", plain], env)
    assert result.returncode == 2 and "not a git checkout" in result.stderr


def test_verify_only_compares_build_sha(env, health):
    env["ATOCORE_HEALTH_URL"] = health.url
    health.body = {"build_sha": "abc123", "version": "1.0"}
    ok = run([SCRIPT, "--verify-only", "--expect-sha", "abc123"], env)
    assert ok.returncode == 0, ok.stdout
    assert "live service runs abc123" in ok.stdout
    drift = run([SCRIPT, "--verify-only", "--expect-sha", "def456"], env)
    assert drift.returncode == 6 and "build_sha mismatch" in drift.stdout
    health.body = {"build_sha": "unknown"}
    assert run([SCRIPT, "--verify-only", "--expect-sha", "abc123"], env).returncode == 6


def test_verify_only_sends_the_token_and_times_out(env, health, tmp_path):
    env["ATOCORE_HEALTH_URL"] = health.url
    env_file = tmp_path / "atocore.env"
    env_file.write_text("ATOCORE_API_TOKEN=s3cret\n")
    env["ATOCORE_ENV_FILE"] = str(env_file)
    health.body = {"build_sha": "abc"}
    assert run([SCRIPT, "--verify-only", "--expect-sha", "abc"], env).returncode == 0
    assert health.auth[-1] == "Bearer s3cret"
    env["ATOCORE_HEALTH_URL"] = "http://127.0.0.1:9/health"
    down = run([SCRIPT, "--verify-only", "--expect-sha", "abc"], env)
    assert down.returncode == 3 and "did not answer" in down.stdout


def test_cron_wrapper_logs_and_propagates_failure(tmp_path, cli, data_dir):
    import sys

    wrapper = REPO / "deploy" / "cron" / "atocore-cron.sh"
    cli("init")
    env_file = tmp_path / "atocore.env"
    env_file.write_text(f"ATOCORE_DATA_DIR={data_dir}\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ATOCORE_")},
        "HOME": str(tmp_path / "home"),
        "ATOCORE_ENV_FILE": str(env_file),
        "ATOCORE_BIN": str(Path(sys.executable).parent / "atocore"),
    }
    ok = run([wrapper, "backup", "create"], env)
    assert ok.returncode == 0 and ok.stderr == ""
    log = (data_dir / "logs" / "cron.log").read_text()
    assert "atocore backup create" in log and "=== exit 0" in log
    assert len(cli.json("backup", "list")["snapshots"]) == 1
    bad = run([wrapper, "backup", "validate", "20000101T000000Z"], env)
    assert bad.returncode == 2
    assert "failed with exit 2" in bad.stderr
    assert "=== exit 2" in (data_dir / "logs" / "cron.log").read_text()


def test_compose_and_units_wire_data_dir_and_provenance():
    import configparser

    import yaml

    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    server = compose["services"]["atocore"]
    assert server["build"]["dockerfile"] == "deploy/Dockerfile"
    assert any(v.endswith(":/data") for v in server["volumes"])
    assert server["environment"]["ATOCORE_DATA_DIR"] == "/data"
    for name in ("ATOCORE_BUILD_SHA", "ATOCORE_BUILD_TIME", "ATOCORE_BUILD_BRANCH"):
        assert name in server["environment"] and name in server["build"]["args"]
    assert ":?" in server["environment"]["ATOCORE_API_TOKEN"]  # required, not defaulted
    assert all(p.startswith("127.0.0.1:") for p in server["ports"])
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "ATOCORE_DATA_DIR=/data" in dockerfile and 'VOLUME ["/data"]' in dockerfile

    for unit, command in (("atocore-serve", "serve"), ("atocore-watch", "watch")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        text = (REPO / "deploy" / "systemd" / f"{unit}.service").read_text()
        parser.read_string(text)
        assert parser["Service"]["ExecStart"].endswith(f"atocore {command}") or (
            f"atocore {command} " in parser["Service"]["ExecStart"]
        )
        assert "build.env" in text and "atocore.env" in text
        assert parser["Install"]["WantedBy"] == "default.target"
    cron = (REPO / "deploy" / "cron" / "crontab.example").read_text()
    for job in (
        "backup create",
        "backup cleanup --confirm",
        "mirror render --all",
        "validate latest",
    ):
        assert job in cron
