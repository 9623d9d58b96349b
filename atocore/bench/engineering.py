"""Engineering layer: writes, conflict checks and catalog queries on a 1000-entity project.

A fresh data dir with one registered project of about 1000 entities,
made the way real data arrives: a generated KB-CAD export (subsystems three
levels deep, components with materials and parameters, interfaces), a
generated KB-FEM export (models, results, claims), both imported and every
candidate promoted, plus requirements, constraints, decisions and
assumptions entered through ``create_entity`` and linked with ``relate``.
Then, in the same run, it times:

- ``raw INSERT``            baseline: one entity row inserted with plain SQL
- ``write candidate``       ``create_entity`` (validation, provenance, no detection)
- ``write active``          ``create_entity(status='active')`` (adds conflict detection;
                            no conflict results)
- ``detect only``           ``detect_for_entity`` alone on an active entity (the added cost)
- ``promote``               candidate → active, with the open-conflict guard and detection
- ``state set + check``     ``set_state`` on a key naming an entity field (detection included)
- ``graph load``            baseline for queries: loading active entities + edges
- ``Q-001`` / ``Q-005`` / ``Q-008`` (whole project and scoped to one entity)
- ``entity_blocks``         the context-pack entity slot for a 2000-char budget

Targets (issue #5): write < 100 ms p99, query < 500 ms p99, conflict check
< 50 ms added.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, scratch_data_dir, summarize, time_each
from atocore.db.types import Connection

PROJECT = "bench-eng"


def _cad_export(rng: random.Random) -> dict:
    subsystems: list[dict[str, Any]] = []
    for i in range(30):
        parent = None if i < 3 else f"subsystem.s{(i - 3) // 3 if i >= 12 else i % 3}"
        subsystems.append(
            {
                "id": f"subsystem.s{i}",
                "name": f"Subsystem {i}",
                "parent": parent,
                "source_artifact": f"kb-cad://bench/s{i}",
                "components": [],
            }
        )
    for c in range(330):
        params = {}
        if c < 150:
            params[f"p{c}"] = {"value": round(rng.uniform(0.1, 100), 3), "unit": "mm"}
        subsystems[c % 30]["components"].append(
            {
                "id": f"component.c{c}",
                "name": f"Component {c}",
                "material": f"Material {c % 30}",
                "part_number": f"PN-{c:04d}",
                "quantity": 1,
                "parameters": params,
                "source_artifact": f"kb-cad://bench/c{c}",
            }
        )
    return {
        "exporter": "kb-cad",
        "exporter_version": "bench",
        "exported_at": "2026-11-24T00:00:00Z",
        "project": PROJECT,
        "subsystems": subsystems,
        "materials": [
            {
                "id": f"material.m{m}",
                "name": f"Material {m}",
                "properties": {"cte_ppm_per_k": m / 10},
                "source_artifact": f"kb-cad://materials/m{m}",
            }
            for m in range(30)
        ],
        "interfaces": [
            {
                "id": f"interface.i{i}",
                "name": f"Interface {i}",
                "between": [f"component.c{i}", f"component.c{i + 1}"],
                "source_artifact": f"kb-cad://bench/i{i}",
            }
            for i in range(60)
        ],
    }


def _fem_export() -> dict:
    claims = [
        {
            "id": f"claim.k{k}",
            "name": f"Claim {k}",
            "statement": f"claim {k} holds",
            "source_artifact": f"kb-fem://bench/k{k}",
        }
        for k in range(40)
    ]
    models = []
    for m in range(30):
        results = [
            {
                "id": f"result.r{m}-{j}",
                "name": f"Result {m}.{j}",
                "value": m + j,
                "unit": "Hz",
                "supports_validation_claim": f"claim.k{(m * 2 + j) % 35}",
                "source_artifact": f"kb-fem://bench/r{m}-{j}",
            }
            for j in range(2)
        ]
        models.append(
            {
                "id": f"model.f{m}",
                "name": f"Model {m}",
                "method": "modal",
                "subsystem": f"subsystem.s{m}",
                "results": results,
                "source_artifact": f"kb-fem://bench/f{m}",
            }
        )
    return {
        "exporter": "kb-fem",
        "exporter_version": "bench",
        "exported_at": "2026-11-24T00:00:00Z",
        "project": PROJECT,
        "analysis_models": models,
        "validation_claims": claims,
    }


def build(conn: Connection, rng: random.Random) -> dict:
    from atocore.engineering.create import create_entity
    from atocore.engineering.imports import import_export
    from atocore.engineering.relationships import relate
    from atocore.engineering.review import list_entity_candidates, promote_entity

    t0 = time.perf_counter()
    cad = import_export(conn, "kb-cad", _cad_export(rng))
    fem = import_export(conn, "kb-fem", _fem_export())
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    for entity in list_entity_candidates(conn, PROJECT):
        promote_entity(conn, entity.id)
    t_promote = time.perf_counter() - t0
    comps = [f"component.c{c}" for c in range(330)]
    reqs = []
    for r in range(120):
        req = create_entity(
            conn,
            PROJECT,
            "Requirement",
            f"Requirement {r}",
            {"statement": f"requirement {r}"},
            status="active",
        )
        reqs.append(req.id)
        if r % 5:  # ~20 % orphans
            relate(conn, rng.choice(comps), "satisfies", req.id, project=PROJECT)
    for k in range(50):
        con = create_entity(
            conn,
            PROJECT,
            "Constraint",
            f"Constraint {k}",
            {"statement": f"constraint {k}"},
            status="active",
        )
        relate(conn, con.id, "constrains", f"subsystem.s{k % 30}", project=PROJECT)
    assumptions = [
        create_entity(
            conn,
            PROJECT,
            "Assumption",
            f"Assumption {a}",
            {"statement": f"assumption {a}", "needs_review": a % 4 == 0},
            status="active",
        ).id
        for a in range(30)
    ]
    for d in range(70):
        dec = create_entity(
            conn,
            PROJECT,
            "Decision",
            f"Decision {d}",
            {"statement": f"decision {d}", "decided_on": f"2026-{1 + d % 12:02d}-01"},
            status="active",
        )
        relate(conn, dec.id, "affects", rng.choice(comps), project=PROJECT)
        relate(conn, dec.id, "affects", f"subsystem.s{d % 30}", project=PROJECT)
        relate(conn, dec.id, "based_on_assumption", assumptions[d % 30], project=PROJECT)
    active = conn.execute(
        "SELECT COUNT(*) FROM entities WHERE project = ? AND status = 'active'", (PROJECT,)
    ).fetchone()[0]
    edges = conn.execute(
        "SELECT COUNT(*) FROM relationships WHERE project = ?", (PROJECT,)
    ).fetchone()[0]
    return {
        "active_entities": active,
        "relationships": edges,
        "import_records": cad.created + fem.created,
        "import_s": round(t_import, 2),
        "promote_all_s": round(t_promote, 2),
    }


def run(
    *,
    runs: int = 200,
    query_runs: int = 50,
    seed: int = 5,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    with (
        tempfile.TemporaryDirectory(prefix="atocore-bench-eng-") as tmp,
        scratch_data_dir(Path(tmp)),
    ):
        (Path(tmp) / "config").mkdir(parents=True)
        (Path(tmp) / "config" / "project-registry.json").write_text(
            json.dumps({"projects": [{"id": PROJECT, "aliases": ["beng"]}]})
        )
        from atocore.db import open_db

        conn = open_db()
        try:
            report = _measure(conn, runs, query_runs, seed, command)
        finally:
            conn.close()
    report.finish(write=write, show=show)
    return report


def _measure(
    conn: Connection, runs: int, query_runs: int, seed: int, command: str | None
) -> Report:
    from atocore.context.project_state import set_state
    from atocore.db import transaction
    from atocore.engineering.conflicts import detect_for_entity
    from atocore.engineering.context import entity_blocks
    from atocore.engineering.create import create_entity
    from atocore.engineering.entities import find_entity, get_entity
    from atocore.engineering.graph import Graph
    from atocore.engineering.queries import run_query
    from atocore.engineering.review import promote_entity

    facts = build(conn, random.Random(seed))
    report = Report(
        "engineering",
        params={"runs": runs, "query_runs": query_runs, "seed": seed, **facts},
        command=command,
    )

    def timed(label: str, fn: Callable[[int], Any], n: int, kind: str) -> None:
        seconds, _ = time_each(fn, range(n))
        report.add({"operation": label, "kind": kind, **summarize(seconds)})

    def raw_insert(i: int) -> None:
        with transaction(conn):
            conn.execute(
                "INSERT INTO entities (id, entity_type, name, project, identity_key, status, "
                "attributes, source_refs, created_at, updated_at) VALUES "
                "(?, 'Component', ?, ?, ?, 'invalid', '{}', '[]', '', '')",
                (uuid.uuid4().hex, f"raw {i}", PROJECT, f"raw-{i}"),
            )

    timed("raw INSERT (baseline)", raw_insert, runs, "write")
    cands: list[Any] = []
    timed(
        "write candidate",
        lambda i: cands.append(
            create_entity(conn, "beng", "Component", f"New part {i}", {"material": "Invar 36"})
        ),
        runs,
        "write",
    )
    timed(
        "write active (+detection)",
        lambda i: create_entity(
            conn,
            "beng",
            "Requirement",
            f"New requirement {i}",
            {"statement": f"r {i}"},
            status="active",
        ),
        runs,
        "write",
    )
    actives = [find_entity(conn, f"component.c{c}", PROJECT) for c in range(runs)]
    timed(
        "detect only (no conflict)",
        lambda i: detect_for_entity(conn, actives[i % len(actives)], detected_by="bench"),
        runs,
        "conflict check",
    )
    timed("promote (+guard, detection)", lambda i: promote_entity(conn, cands[i].id), runs, "write")
    timed(
        "state set + check (no conflict)",
        lambda i: set_state(
            conn,
            "beng",
            "fact",
            f"component.c{i % 330}.material",
            get_entity(conn, actives[i % len(actives)].id).attributes["material"],
        ),
        runs,
        "conflict check",
    )
    conflicts = conn.execute("SELECT COUNT(*) FROM conflicts").fetchone()[0]
    timed("graph load (baseline)", lambda i: Graph.load(conn, PROJECT), query_runs, "query")
    for qid, entity in [
        ("Q-001", None),
        ("Q-001", "subsystem.s4"),
        ("Q-005", None),
        ("Q-008", None),
        ("Q-008", "component.c17"),
    ]:
        label = f"{qid}" + (f" --entity {entity}" if entity else " (whole project)")

        def query(i: int, q: str = qid, e: str | None = entity) -> Any:
            return run_query(conn, q, project="beng", entity=e)  # None: whole project

        timed(label, query, query_runs, "query")
    prompts = [
        f"what material is component {i} made of and which decision affects it?"
        for i in range(query_runs)
    ]
    timed(
        "entity_blocks (context slot, 2000 chars)",
        lambda i: entity_blocks(conn, "beng", prompts[i], 2000),
        query_runs,
        "context",
    )
    sizes = {q: run_query(conn, q, project="beng").count for q in ("Q-001", "Q-005", "Q-008")}
    report.note(
        f"{facts['active_entities']} active entities, {facts['relationships']} "
        f"relationships after the build; rows returned {sizes}; "
        f"conflicts opened during the timed runs: {conflicts}"
    )
    report.note(
        f"build: {facts['import_records']} records imported in {facts['import_s']} s, "
        f"all candidates promoted in {facts['promote_all_s']} s"
    )
    return report
