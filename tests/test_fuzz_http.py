"""Schema-driven fuzzing of every HTTP route (schemathesis over the OpenAPI document).

Each operation of the real app gets a few schema-valid and a few
schema-violating requests. Whatever comes in: no response >= 500, no
traceback text in a body, and a rejected request (4xx) wrote nothing — the
database (``PRAGMA data_version`` moves when another connection commits),
the registry file and the data dir's files are unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")  # a dev extra, absent in a bare install

from schemathesis import GenerationMode  # noqa: E402
from schemathesis.core import NOT_SET  # noqa: E402

from atocore.server.app import create_app  # noqa: E402

# per operation and mode: the suite's run stays around a minute on 2 cores;
# ATOCORE_FUZZ_EXAMPLES=50 for a deeper run by hand
EXAMPLES = int(os.environ.get("ATOCORE_FUZZ_EXAMPLES", "4"))
_UNTRACKED = {"mirror", "logs", "run"}  # regenerated in the background, not by a request


def fingerprint(conn, data_dir: Path) -> tuple:
    files = sorted(
        (str(p.relative_to(data_dir)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in data_dir.rglob("*")
        if p.is_file()
        and not p.name.startswith("atocore.db")
        and not _UNTRACKED & set(p.relative_to(data_dir).parts)
    )
    return conn.execute("PRAGMA data_version").fetchone()[0], files


@pytest.fixture
def fuzz_app(data_dir: Path, registered_project, embedder):
    registered_project({"note.md": "# Mirror mount\n\nThe mount uses invar.\n"}, source="vault")
    with TestClient(create_app(warm=False), base_url="http://127.0.0.1") as client:
        client.post("/projects/p05/refresh")
        client.post("/memory", json={"content": "p05 uses invar", "project": "p05"})
        yield client


def _request(client: TestClient, case) -> object:
    headers = {k: str(v) for k, v in (case.headers or {}).items()}
    kwargs: dict = {"params": case.query or None, "headers": headers}
    if isinstance(case.body, bytes):  # a deliberately malformed body
        headers.setdefault("content-type", case.media_type or "application/json")
        kwargs["content"] = case.body
    elif case.body is not NOT_SET:
        kwargs["json"] = case.body
    return client.request(case.method, case.formatted_path, **kwargs)


def test_every_route_survives_fuzzing(fuzz_app, conn, data_dir):
    schema = schemathesis.openapi.from_dict(fuzz_app.app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # every route group is in the document
    failures: list[str] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                before = fingerprint(conn, data_dir)
                response = _request(fuzz_app, case)
                where = f"{case.method} {case.formatted_path} {case.body!r:.200}"
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {where}: {response.text[:300]}")
                if "Traceback" in response.text:
                    failures.append(f"traceback {where}")
                if 400 <= response.status_code < 500 and fingerprint(conn, data_dir) != before:
                    failures.append(f"rejected ({response.status_code}) but wrote: {where}")

            try:
                run()
            except Unsatisfiable:  # nothing to violate (an operation without inputs)
                assert mode is GenerationMode.NEGATIVE
    assert not failures, "\n".join(failures[:20])
