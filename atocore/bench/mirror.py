"""Human Mirror render time on a generated 1000-entity project.

A fresh data dir with one project of ``entities`` active entities
(subsystems, two thirds nested under another, components, interfaces, parameters, requirements
with ~20 % orphans, constraints, decisions with superseded history and
flagged assumptions, analysis models, results and claims, about one edge
per entity, ten open conflicts and curated state), then times in the same run:

- ``load``         the Mirror graph + query-catalog graph only (the SQL floor)
- ``facts``        load + every page's facts (catalog queries, no templates)
- ``render``       facts + jinja2 rendering of every page in memory (no writes)
- ``cold write``   ``render_project`` into an empty mirror dir (every page written)
- ``no-op``        ``render_project`` again with nothing changed (checksums
                   match, nothing written)

Target (issue #6): a full render of a 1000-entity project under 5 s.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atocore.bench.harness import Report, repeat, scratch_data_dir, summarize
from atocore.db.types import Connection

PROJECT = "bench-mirror"
NOW = datetime(2026, 4, 7, 12, 0, 0, tzinfo=UTC)

# share of the entity budget per type
MIX = [
    ("Subsystem", 0.03),
    ("Component", 0.35),
    ("Interface", 0.06),
    ("Parameter", 0.10),
    ("Requirement", 0.12),
    ("Constraint", 0.05),
    ("Decision", 0.08),
    ("Assumption", 0.04),
    ("AnalysisModel", 0.03),
    ("Result", 0.07),
    ("ValidationClaim", 0.04),
    ("Material", 0.03),
]


def _attrs(kind: str, i: int, rng: random.Random) -> dict[str, Any]:
    text = f"{kind} {i} statement with enough words to look like a real one"
    attrs: dict[str, dict[str, Any]] = {
        "Subsystem": {"description": f"Subsystem {i}"},
        "Component": {"material": rng.choice(["Invar", "Zerodur", "GF-PTFE", "Al 6061"])},
        "Interface": {"kind": "mechanical"},
        "Parameter": {"value": round(rng.uniform(0, 100), 2), "unit": "mm"},
        "Requirement": {"statement": text, "priority": rng.choice(["must", "should"])},
        "Constraint": {"statement": text, "limit": i, "unit": "N"},
        "Decision": {
            "statement": text,
            "rationale": "because",
            "decided_on": f"2026-{1 + i % 3:02d}-{1 + i % 28:02d}",
        },
        "Assumption": {"statement": text, "needs_review": i % 3 == 0},
        "AnalysisModel": {"method": "static"},
        "Result": {"metric": "deflection", "value": i, "unit": "nm"},
        "ValidationClaim": {"statement": text},
        "Material": {"grade": f"grade {i}"},
    }
    return attrs[kind]


def generate(conn: Connection, n: int, seed: int = 7) -> dict[str, int]:
    """Insert ``n`` active entities (plus superseded decisions) with edges; returns counts."""
    from atocore.context.project_state import set_state
    from atocore.db import transaction
    from atocore.engineering.schemas import REL_TYPES

    rng = random.Random(seed)
    ids: dict[str, list[str]] = {}
    counter = 0
    with transaction(conn):
        for kind, share in MIX:
            for i in range(max(1, round(n * share))):
                counter += 1
                eid = f"{kind[:3].lower()}{counter:05d}"
                day = 1 + rng.randrange(60)
                stamp = f"2026-{2 + day // 30:02d}-{1 + day % 28:02d} 10:00:00"
                conn.execute(
                    "INSERT INTO entities (id, entity_type, name, project, identity_key, status, "
                    "attributes, source_refs, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
                    (
                        eid,
                        kind,
                        f"{kind} {i}",
                        PROJECT,
                        f"{kind.lower()}-{i}",
                        json.dumps(_attrs(kind, i, rng)),
                        json.dumps([{"kind": "artifact", "ref": f"kb-cad:{eid}"}]),
                        stamp,
                        stamp,
                    ),
                )
                ids.setdefault(kind, []).append(eid)
        edges: set[tuple[str, str, str]] = set()
        subs = ids["Subsystem"]
        for k, sub in enumerate(subs[1:], start=1):  # nest: every subsystem under an earlier one
            if k % 3:
                edges.add((subs[rng.randrange(k)], "contains", sub))
        for comp in ids["Component"]:
            edges.add((rng.choice(subs), "contains", comp))
        for kind in ("Interface", "Parameter"):
            for eid in ids[kind]:
                edges.add((rng.choice(ids["Component"]), "contains", eid))
        for itf in ids["Interface"]:
            for comp in rng.sample(ids["Component"], 2):
                edges.add((comp, "interfaces_with", itf))
        for req in ids["Requirement"]:
            if rng.random() > 0.2:
                edges.add((rng.choice(ids["Component"]), "satisfies", req))
        for con in ids["Constraint"]:
            edges.add((con, "constrains", rng.choice(ids["Component"] + subs)))
        for dec in ids["Decision"]:
            edges.add((dec, "affects", rng.choice(ids["Component"] + subs)))
            edges.add((dec, "based_on_assumption", rng.choice(ids["Assumption"])))
        for model in ids["AnalysisModel"]:
            edges.add((model, "analyzes", rng.choice(subs)))
        for res in ids["Result"]:
            edges.add((rng.choice(ids["AnalysisModel"]), "produces", res))
            if rng.random() > 0.3:
                edges.add((res, "supports", rng.choice(ids["ValidationClaim"])))
        # superseded history: a third of the decisions replaced an older one
        for k, dec in enumerate(ids["Decision"][::3]):
            old = f"old{k:05d}"
            conn.execute(
                "INSERT INTO entities (id, entity_type, name, project, identity_key, status, "
                "attributes, superseded_by, created_at, updated_at) VALUES (?, 'Decision', ?, ?, "
                "?, 'superseded', ?, ?, '2026-01-02 10:00:00', '2026-01-03 10:00:00')",
                (
                    old,
                    f"Old decision {k}",
                    PROJECT,
                    f"old-decision-{k}",
                    json.dumps({"statement": "replaced", "decided_on": "2026-01-02"}),
                    dec,
                ),
            )
            edges.add((dec, "supersedes", old))
        for src, rel, tgt in sorted(edges):
            conn.execute(
                "INSERT INTO relationships (id, project, rel_type, family, source_id, target_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (f"{src}-{rel}-{tgt}", PROJECT, rel, REL_TYPES[rel].family, src, tgt),
            )
        for k, comp in enumerate(ids["Component"][:10]):
            cid = f"conflict{k:03d}"
            conn.execute(
                "INSERT INTO conflicts (id, project, slot_key, field, status, created_at) "
                "VALUES (?, ?, ?, 'material', 'open', '2026-04-01 10:00:00')",
                (cid, PROJECT, f"slot-{k}"),
            )
            conn.execute(
                "INSERT INTO conflict_members (conflict_id, member_kind, member_id, value) "
                "VALUES (?, 'entity', ?, 'PEEK')",
                (cid, comp),
            )
    for k in range(10):
        set_state(conn, PROJECT, "requirement", f"Requirement {k}", f"curated requirement {k}")
    set_state(conn, PROJECT, "status", "next_focus", "benchmarking")
    return {"active_entities": counter, "edges": len(edges)}


def run(
    *,
    entities: int = 1000,
    runs: int = 5,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.db import open_db

    with (
        tempfile.TemporaryDirectory(prefix="atocore-bench-mirror-") as tmp,
        scratch_data_dir(Path(tmp)),
    ):
        conn = open_db()
        try:
            report = _measure(conn, entities, runs, command)
        finally:
            conn.close()
    report.finish(write=write, show=show)
    return report


def _measure(conn: Connection, entities: int, runs: int, command: str | None) -> Report:
    from atocore.mirror import templates as tpl
    from atocore.mirror.catalog import Catalog
    from atocore.mirror.graph import load_graph
    from atocore.mirror.renderer import plan_pages, project_dir, render_pages, render_project

    counts = generate(conn, entities)
    env = tpl.environment()
    directory = project_dir(PROJECT)

    def load() -> None:
        Catalog(conn, load_graph(conn, PROJECT))

    def cold() -> None:
        shutil.rmtree(directory, ignore_errors=True)
        render_project(conn, PROJECT, now=NOW, env=env)

    steps = [
        ("load", load),
        ("facts", lambda: plan_pages(conn, PROJECT, NOW)),
        ("render", lambda: render_pages(conn, PROJECT, NOW, directory, env)),
        ("cold write", cold),
        ("no-op", lambda: render_project(conn, PROJECT, now=NOW, env=env)),
    ]
    pages = len(plan_pages(conn, PROJECT, NOW))
    report = Report("mirror", params={**counts, "runs": runs, "pages": pages}, command=command)
    for name, fn in steps:
        fn()  # warm-up (imports, template compilation)
        seconds = repeat(fn, runs)
        report.add(
            {
                "step": name,
                "p50_ms": summarize(seconds)["p50_ms"],
                "max_ms": round(max(seconds) * 1000, 3),
                "runs": runs,
            }
        )
    written = render_project(conn, PROJECT, now=NOW, force=True, env=env)
    report.note(
        f"{counts['active_entities']} active entities, {counts['edges']} edges, "
        f"{len(written.pages)} pages, "
        f"{sum(p.path.stat().st_size for p in written.pages) // 1024} KiB of markdown"
    )
    return report
