"""The operations layer's structure: every operation has a remote form or says
why not; remote mode never touches the local data dir."""

from __future__ import annotations

import inspect

import pytest

from atocore.api import Operations, operations
from atocore.api.remote import RemoteOperations
from atocore.api.routing import local_only_of, public_operations, routes_of
from atocore.client import RemoteClient, ServerUnavailable
from atocore.errors import InvalidInput


def test_every_operation_has_a_route_or_a_reason():
    missing = [
        name
        for name, fn in public_operations(Operations)
        if not routes_of(fn) and not local_only_of(fn)
    ]
    assert missing == []


def test_remote_replaces_every_operation_with_the_same_signature():
    for name, fn in public_operations(Operations):
        remote = getattr(RemoteOperations, name)
        assert remote is not fn, name
        assert inspect.signature(remote) == inspect.signature(fn), name


def test_route_paths_are_unique():
    seen: dict[tuple[str, str], str] = {}
    for name, fn in public_operations(Operations):
        for spec in routes_of(fn):
            key = (spec.method, spec.path)
            assert key not in seen, f"{name} and {seen.get(key)} share {key}"
            seen[key] = name


def test_operations_follow_the_url_setting(monkeypatch):
    assert type(operations()) is Operations
    monkeypatch.setenv("ATOCORE_URL", "http://127.0.0.1:9")
    chosen = operations()
    assert isinstance(chosen, RemoteOperations)
    assert chosen.client.url == "http://127.0.0.1:9"


def test_unreachable_server_is_an_error_not_a_local_run(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(data))
    ops = RemoteOperations(RemoteClient("http://127.0.0.1:9", timeout=2))
    with pytest.raises(ServerUnavailable, match="cannot reach"):
        ops.search("anything")
    assert not data.exists()


def test_local_only_operations_refuse_remotely():
    local_only = [name for name, fn in public_operations(Operations) if local_only_of(fn)]
    ops = RemoteOperations(RemoteClient("http://127.0.0.1:9", timeout=2))
    for name in local_only:
        with pytest.raises(InvalidInput, match="does not work with --url"):
            getattr(ops, name)()


def test_reads_on_a_missing_data_dir_refuse_and_create_nothing(cli, tmp_path, monkeypatch):
    """A mistyped data dir is not a new, empty store."""
    typo = tmp_path / "mistyped"
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(typo))
    for args in (["query", "foo"], ["context", "what is the mount?"], ["audit-query", "foo"]):
        done = cli(*args)
        assert done.exit_code == 2, (args, done.output)
        assert "no atocore data in" in done.output and "atocore init" in done.output
    assert not typo.exists()
    assert cli("init").exit_code == 0
    assert cli("query", "foo").exit_code == 0


def test_chunk_ids_out_of_range_are_refused_not_a_500(api):
    """Found by the schema-driven fuzz run: a huge id overflowed SQLite's INTEGER."""
    assert api.post("/chunks", json={"ids": [2**70]}).status_code == 422
    assert api.post("/chunks", json={"ids": []}).status_code == 422
    assert api.post("/chunks", json={"ids": [999]}).status_code == 404


def test_the_factory_is_not_shadowed_by_a_submodule():
    """Importing the composed class must leave ``atocore.api.operations`` the factory."""
    import atocore.api
    import atocore.api.layer

    assert callable(atocore.api.operations)
    assert atocore.api.Operations is atocore.api.layer.Operations
