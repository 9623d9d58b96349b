"""Every test gets a fresh, real data dir (no test can touch a user's data), and the shared
fixtures that build what a test needs (docs/architecture/overview.md, "Writing tests")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import write_notes
from typer.testing import CliRunner


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(path))
    monkeypatch.delenv("ATOCORE_PROJECT_REGISTRY_PATH", raising=False)
    monkeypatch.delenv("ATOCORE_URL", raising=False)
    monkeypatch.delenv("ATOCORE_EMBED_MODEL_PATH", raising=False)
    return path


@pytest.fixture
def conn(data_dir: Path):
    """A migrated connection to the test data dir's database."""
    from atocore.db import open_db

    connection = open_db()
    yield connection
    connection.close()


@pytest.fixture
def registry(data_dir: Path):
    """Write a registry file; returns a function taking the projects list."""
    path = data_dir / "config" / "project-registry.json"

    def write(projects: list[dict], sources: dict | None = None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"sources": sources or {}, "projects": projects}))
        return path

    return write


@pytest.fixture
def projects(registry, data_dir: Path):
    """Register projects next to any already registered (writes need a known
    project): bare ids or whole entries, ``projects("p06", {"id": "x", "aliases": ["y"]})``;
    ``sources={name: folder}`` adds named sources."""
    path = data_dir / "config" / "project-registry.json"

    def add(*entries: str | dict, sources: dict | None = None) -> Path:
        data = json.loads(path.read_text()) if path.exists() else {}
        added = [e if isinstance(e, dict) else {"id": e} for e in entries]
        known = {**(data.get("sources") or {}), **(sources or {})}
        return registry([*data.get("projects", []), *added], known)

    return add


@pytest.fixture
def registered_project(projects, tmp_path: Path):
    """A registered project rooted at a folder of notes; returns the folder.

    ``registered_project({"mount.md": MOUNT_NOTE})`` writes the notes under
    ``tmp_path/vault/p05`` and registers ``p05-interferometer`` (alias p05) with that
    folder as its one ingest root. ``project_id``, ``aliases``, ``root`` and other
    registry fields (``description=...``) change it; each call adds one more project.
    ``source="vault"`` reaches the root through a named source instead (the root's
    parent folder: ``{"source": "vault", "subpath": "p05"}``), as a shared vault is
    registered.
    """

    def make(
        files: dict[str, str | bytes] | None = None,
        *,
        project_id: str = "p05-interferometer",
        aliases: tuple[str, ...] = ("p05",),
        root: Path | None = None,
        source: str | None = None,
        **fields,
    ) -> Path:
        root = write_notes(root or tmp_path / "vault" / (aliases or (project_id,))[0], files or {})
        ingest_root = {"source": source, "subpath": root.name} if source else {"source": str(root)}
        projects(
            {"id": project_id, "aliases": list(aliases), "ingest_roots": [ingest_root], **fields},
            sources={source: str(root.parent)} if source else None,
        )
        return root

    return make


@pytest.fixture
def mirror_project(conn, registry) -> str:
    """The small, fixed engineering project of tests/mirror_fixture.py, registered and
    built (subsystems, requirements, a conflict, history); returns its id."""
    import mirror_fixture as fx

    registry(fx.REGISTRY)
    fx.build(conn)
    return fx.PROJECT


@pytest.fixture
def make_memory(conn):
    """``make_memory(content, memory_type="knowledge", project="", status="active", ...)``:
    a memory stored through the memory service on the test's ``conn``."""
    from atocore.memory.service import create_memory

    def make(content: str, memory_type: str = "knowledge", **options):
        return create_memory(conn, memory_type, content, **options)

    return make


@pytest.fixture
def make_entity(conn):
    """``make_entity(entity_type, name, attributes=None, project="p05", status="active", ...)``:
    an entity created through the engineering service on the test's ``conn`` (its project
    must be registered: the ``p05`` fixture)."""
    from atocore.engineering.create import create_entity

    def make(
        entity_type: str,
        name: str,
        attributes: dict | None = None,
        *,
        project: str = "p05",
        status: str = "active",
        **options,
    ):
        return create_entity(conn, project, entity_type, name, attributes, status=status, **options)

    return make


@pytest.fixture
def decision_candidates(conn, make_entity, p05):
    """Two candidate Decision entities of p05 for review, "Frame material" the older."""
    refs = [{"kind": "manual", "ref": "test"}]
    first, second = (
        make_entity(
            "Decision", name, {"statement": statement}, status="candidate", source_refs=refs
        )
        for name, statement in (("Frame material", "Use Invar"), ("Pad material", "Use PTFE"))
    )
    conn.execute("UPDATE entities SET created_at = '2026-01-01 00:00:00' WHERE id = ?", (first.id,))
    return first, second


@pytest.fixture
def api(data_dir: Path):
    """An in-process HTTP client on the real app over the test data dir."""
    from fastapi.testclient import TestClient

    from atocore.server.app import create_app

    with TestClient(create_app(warm=False), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def p05(registry):
    """The canonical aliased project most tests use."""
    return registry(
        [
            {
                "id": "p05-interferometer",
                "aliases": ["p05", "interferometer"],
                "description": "Interferometer test stand",
                "ingest_roots": [],
            }
        ]
    )


class Cli:
    """CliRunner around the real app; ``.json(...)`` parses --json output."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        from atocore.cli.main import app

        return self.runner.invoke(app, [str(a) for a in args], input=input)

    def json(self, *args: str, input: str | None = None):
        result = self(*args, "--json", input=input)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    """The real offline embedding model, loaded once per test session.

    ``get_embedder()`` hands this same instance to every data dir of the
    session (the packaged model's files are identical wherever assembled).
    """
    from atocore.embed import get_embedder
    from atocore.embed.model import DEFAULT_FASTEMBED_NAME, OFFLINE_MODEL_ID, ModelSpec

    spec = ModelSpec(
        model_id=OFFLINE_MODEL_ID,
        fastembed_name=DEFAULT_FASTEMBED_NAME,
        path=tmp_path_factory.mktemp("model") / OFFLINE_MODEL_ID,
        origin="package",
    )
    return get_embedder(spec).load()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the real embedding model (the ``embedder`` fixture, directly or
    through another fixture) are ``slow``: ``pytest -m "not slow"`` is the fast loop."""
    for item in items:
        if "embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _model_loads_only_in_slow_tests(request: pytest.FixtureRequest, monkeypatch):
    """A test not marked ``slow`` that loads the model fails, so the fast loop stays fast:
    use the ``embedder`` fixture (or mark it ``slow``)."""
    if request.node.get_closest_marker("slow"):
        return
    from atocore.embed.embedder import Embedder

    def guarded(original):
        def load(self, *args, **kwargs):
            result = original(self, *args, **kwargs)  # a model that cannot load is fine
            pytest.fail(
                "this test loads the embedding model: use the `embedder` fixture or "
                "mark it @pytest.mark.slow",
                pytrace=False,
            )
            return result

        return load

    monkeypatch.setattr(Embedder, "_load", guarded(Embedder._load))
    monkeypatch.setattr(Embedder, "_direct_encoder", guarded(Embedder._direct_encoder))
