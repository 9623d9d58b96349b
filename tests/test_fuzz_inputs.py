"""Property-based fuzzing (hypothesis) of the KB import schemas and CLI text arguments.

Whatever the input: the service either works or raises a domain error
(the CLI exits 0 or 2), never an unexpected exception or a traceback, and
a refused input writes nothing.
"""

from __future__ import annotations

import json

import pytest

hypothesis = pytest.importorskip("hypothesis")  # dev extras, absent in a bare install
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from atocore.engineering.imports import import_export  # noqa: E402
from atocore.engineering.kb_schemas import json_schema  # noqa: E402
from atocore.errors import AtocoreError  # noqa: E402

# bounded so the whole file stays around half a minute on 2 cores (a CLI run costs ~0.3 s)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
TABLES = ("projects", "project_state", "memories", "entities", "relationships", "conflicts")
PROJECT_NAMES = st.sampled_from(["p05", "P05", "nope", "../../etc", "/tmp/x", "p05 ", "a..b"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
# argv never holds a NUL byte or a lone surrogate
ARG = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def exports(kind: str):
    """Exports generated from the published JSON Schema (schemathesis's generator,
    fed a one-operation OpenAPI document whose body is that schema)."""
    schema = {k: v for k, v in json_schema(kind).items() if k not in ("$schema", "$id")}
    text = json.dumps(schema).replace("#/$defs/", "#/components/schemas/")
    schema = json.loads(text)
    post = {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {"200": {"description": "ok"}},
    }
    document = {
        "openapi": "3.1.0",
        "info": {"title": kind, "version": "1"},
        "paths": {"/import": {"post": post}},
        "components": {"schemas": schema.pop("$defs", {})},
    }
    operation = next(schemathesis.openapi.from_dict(document).get_all_operations()).ok()
    return operation.as_strategy().map(lambda case: case.body)


def counts(conn) -> tuple[int, ...]:
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)


@pytest.mark.parametrize("kind", ["kb-cad", "kb-fem"])
def test_schema_valid_exports_import_or_refuse_cleanly(conn, projects, kind):
    projects("p05")

    @FUZZ
    @given(case=st.tuples(exports(kind), PROJECT_NAMES))
    def run(case) -> None:
        data, project = case
        data = {**data, "project": project}
        before = counts(conn)
        try:
            import_export(conn, kind, data)
        except AtocoreError:
            assert counts(conn) == before
            return
        assert import_export(conn, kind, data).created == 0  # a re-import duplicates nothing

    run()


@pytest.mark.parametrize("kind", ["kb-cad", "kb-fem"])
def test_arbitrary_json_is_refused_cleanly(conn, projects, kind):
    projects("p05")

    @FUZZ
    @given(data=JSON | st.dictionaries(st.sampled_from(["exporter", "project", "x"]), JSON))
    def run(data) -> None:
        before = counts(conn)
        try:
            import_export(conn, kind, data)
        except AtocoreError:
            pass
        assert counts(conn) == before

    run()


@pytest.mark.parametrize(
    "command",
    [
        ("state", "set", "{0}", "decision", "{1}", "{2}"),
        ("memory", "add", "--project", "{0}", "{1}"),
        ("projects", "register", "{0}", "--alias", "{1}", "--root", "{2}"),
        ("projects", "detect", "{0}", "--cwd", "{1}"),
        ("entities", "add", "Component", "{1}", "--project", "{0}"),
    ],
)
def test_cli_text_arguments_never_crash(cli, conn, p05, command):
    @settings(FUZZ, max_examples=6)
    @given(args=st.tuples(st.one_of(PROJECT_NAMES, ARG), ARG, ARG))
    def run(args) -> None:
        argv = [part.format(*args) if "{" in part else part for part in command]
        before = counts(conn)
        result = cli(*argv)
        assert result.exit_code in (0, 2), (argv, result.output)
        assert "Traceback" not in result.output, argv
        if result.exit_code == 2:
            assert counts(conn) == before, argv

    run()
