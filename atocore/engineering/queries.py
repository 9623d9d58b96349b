"""The engineering query catalog Q-001 … Q-020 (docs/architecture/engineering-query-catalog.md).

Each query is a plain function over a :class:`Graph` of the project's
active entities, returning rows (dicts) in a deterministic order. Only
active entities count; an empty result is an empty list, never an error.
``run_query(conn, "Q-006", project="p05")`` is the single entry point the
CLI, the HTTP server and the Human Mirror share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from atocore.engineering.entities import find_entity
from atocore.engineering.graph import Graph, brief, refs_of
from atocore.engineering.schemas import Entity
from atocore.errors import InvalidInput, NotFound
from atocore.projects.registry import resolve_project_name


class QueryDef(BaseModel):
    id: str
    title: str
    description: str
    args: list[str] = Field(default_factory=list)
    required: list[str] = Field(default_factory=list)


class QueryResult(BaseModel):
    query: str
    title: str
    project: str
    args: dict[str, Any]
    count: int
    rows: list[dict[str, Any]]


_CATALOG: dict[str, tuple[QueryDef, Callable[..., list[dict[str, Any]]]]] = {}


def _query(qid: str, title: str, description: str, args=(), required=()):
    def wrap(fn):
        _CATALOG[qid] = (
            QueryDef(
                id=qid,
                title=title,
                description=description,
                args=list(args),
                required=list(required),
            ),
            fn,
        )
        return fn

    return wrap


def catalog() -> list[QueryDef]:
    return [_CATALOG[k][0] for k in sorted(_CATALOG)]


def _entity_arg(conn: Any, graph: Graph, ref: str | None) -> Entity | None:
    if not ref:
        return None
    entity = find_entity(conn, ref, graph.project)
    if entity.id not in graph.entities:
        raise NotFound(
            f"{ref!r} is not an active entity of {graph.project} (it is {entity.status})"
        )
    return entity


# --- structure ----------------------------------------------------------------------


@_query(
    "Q-001",
    "Subsystem contents",
    "What a subsystem contains (all subsystems when none is given).",
    args=["entity"],
)
def q001(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    subs = [subject] if subject else g.of_type("Subsystem")
    return [
        {
            "subsystem": brief(s),
            "contains": [
                brief(c, "material") if c.entity_type == "Component" else brief(c)
                for c in g.children(s.id)
            ],
        }
        for s in subs
    ]


@_query(
    "Q-002",
    "Materials in use",
    "Each material and the active components made of it "
    "(components name their material by name or key).",
    args=["material"],
)
def q002(conn, g: Graph, material: str | None = None):
    mats = g.of_type("Material")
    by_name: dict[str, dict[str, Any]] = {}
    for m in mats:
        row = {"material": m.name, "entity": brief(m, "grade", "properties"), "components": []}
        by_name[m.name.lower()] = row
        by_name[m.identity_key.lower()] = row
    rows = {m.id: by_name[m.name.lower()] for m in mats}
    loose: dict[str, dict[str, Any]] = {}
    for comp in g.of_type("Component"):
        name = str(comp.attributes.get("material") or "").strip()
        if not name:
            continue
        row = by_name.get(name.lower())
        if row is None:
            row = loose.setdefault(
                name.lower(), {"material": name, "entity": None, "components": []}
            )
        row["components"].append(brief(comp))
    out = list(rows.values()) + list(loose.values())
    if material:
        out = [
            r
            for r in out
            if r["material"].lower() == material.lower()
            or (r["entity"] and r["entity"]["key"].lower() == material.lower())
        ]
    return sorted(out, key=lambda r: r["material"].lower())


@_query(
    "Q-003",
    "Interfaces",
    "Interfaces of an entity (all interfaces when none is given), with the parts on each side.",
    args=["entity"],
)
def q003(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    rows = []
    for itf in g.of_type("Interface"):
        between = g.sources(itf.id, "interfaces_with") + g.targets(itf.id, "interfaces_with")
        if subject is not None:
            scope = {subject.id} | {d.id for d in g.descendants(subject.id)}
            if not ({b.id for b in between} & scope or itf.id == subject.id):
                continue
        rows.append(
            {"interface": brief(itf, "kind", "description"), "between": [brief(b) for b in between]}
        )
    return rows


@_query("Q-004", "Subsystem tree", "The containment tree of the project, flattened depth-first.")
def q004(conn, g: Graph):
    rows: list[dict[str, Any]] = []
    roots = [s for s in g.of_type("Subsystem") if not g.parents(s.id)]

    def walk(node: Entity, depth: int, path: list[str]) -> None:
        rows.append(
            {"depth": depth, "path": "/".join([*path, node.identity_key]), "entity": brief(node)}
        )
        for child in g.children(node.id):
            if child.entity_type in ("Subsystem", "Component") and child.identity_key not in path:
                walk(child, depth + 1, [*path, node.identity_key])

    for root in roots:
        walk(root, 0, [])
    return rows


# --- intent -------------------------------------------------------------------------------


def _coverage(g: Graph) -> list[dict[str, Any]]:
    rows = []
    for req in g.of_type("Requirement"):
        by = g.sources(req.id, "satisfies")
        rows.append(
            {
                "requirement": brief(req, "statement", "priority"),
                "satisfied_by": [brief(e) for e in by],
                "covered": bool(by),
            }
        )
    return rows


@_query(
    "Q-005",
    "Requirement coverage",
    "Every active requirement with the active design elements that satisfy it.",
)
def q005(conn, g: Graph):
    return _coverage(g)


@_query(
    "Q-006",
    "Orphan requirements",
    "Active requirements no active component, subsystem or interface satisfies.",
)
def q006(conn, g: Graph):
    return [r for r in _coverage(g) if not r["covered"]]


@_query(
    "Q-007",
    "Constraints on an entity",
    "Constraints applying to an entity directly or "
    "through a containing subsystem (all constraints when none is given).",
    args=["entity"],
)
def q007(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    rows = []
    for con in g.of_type("Constraint"):
        targets = g.targets(con.id, "constrains")
        if subject is not None:
            chain = {subject.id: "direct"} | {a.id: a.name for a in g.ancestors(subject.id)}
            hits = [t for t in targets if t.id in chain]
            if not hits:
                continue
            via = sorted(chain[t.id] for t in hits)
        else:
            via = []
        rows.append(
            {
                "constraint": brief(con, "statement", "limit", "unit"),
                "applies_to": [brief(t) for t in targets],
                "via": via,
            }
        )
    return rows


def _decision_row(g: Graph, dec: Entity) -> dict[str, Any]:
    return {
        "decision": brief(dec, "statement", "rationale", "decided_on"),
        "affects": [brief(t) for t in g.targets(dec.id, "affects")],
        "based_on": [brief(a, "needs_review") for a in g.targets(dec.id, "based_on_assumption")],
    }


def _decision_date(dec: Entity) -> str:
    return str(dec.attributes.get("decided_on") or dec.created_at)


@_query(
    "Q-008",
    "Decisions affecting an entity",
    "Active decisions that affect an entity or "
    "anything containing it (all decisions when none is given), newest first.",
    args=["entity"],
)
def q008(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    scope = None
    if subject is not None:
        scope = {subject.id} | {a.id for a in g.ancestors(subject.id)}
    rows = []
    for dec in g.of_type("Decision"):
        if scope is not None and not {t.id for t in g.targets(dec.id, "affects")} & scope:
            continue
        rows.append(_decision_row(g, dec))
    return sorted(
        rows,
        key=lambda r: (_decision_date(g.entities[r["decision"]["id"]]), r["decision"]["id"]),
        reverse=True,
    )


@_query(
    "Q-009",
    "Decisions on flagged assumptions",
    "Active decisions based on an assumption flagged needs_review.",
)
def q009(conn, g: Graph):
    rows = []
    for dec in g.of_type("Decision"):
        flagged = [
            a for a in g.targets(dec.id, "based_on_assumption") if a.attributes.get("needs_review")
        ]
        if flagged:
            rows.append(
                {
                    "decision": brief(dec, "statement"),
                    "flagged_assumptions": [brief(a, "statement", "basis") for a in flagged],
                }
            )
    return rows


# --- validation -------------------------------------------------------------------------------


def _claims(g: Graph) -> list[dict[str, Any]]:
    rows = []
    for claim in g.of_type("ValidationClaim"):
        results = [s for s in g.sources(claim.id, "supports") if s.entity_type == "Result"]
        rows.append(
            {
                "claim": brief(claim, "statement", "criterion"),
                "supported_by": [brief(r, "value", "unit") for r in results],
                "supports": [brief(t) for t in g.targets(claim.id, "supports")],
                "supported": bool(results),
            }
        )
    return rows


@_query(
    "Q-010",
    "Validation claims",
    "Every active validation claim with its supporting results and support status.",
)
def q010(conn, g: Graph):
    return _claims(g)


@_query(
    "Q-011", "Unsupported validation claims", "Active validation claims no active result supports."
)
def q011(conn, g: Graph):
    return [r for r in _claims(g) if not r["supported"]]


@_query(
    "Q-012",
    "Analyses of an entity",
    "Analysis models covering an entity or its parts "
    "(all models when none is given), with their results.",
    args=["entity"],
)
def q012(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    scope = None
    if subject is not None:
        scope = (
            {subject.id}
            | {d.id for d in g.descendants(subject.id)}
            | {a.id for a in g.ancestors(subject.id)}
        )
    rows = []
    for model in g.of_type("AnalysisModel"):
        analyzed = g.targets(model.id, "analyzes")
        if scope is not None and not ({a.id for a in analyzed} & scope or model.id in scope):
            continue
        rows.append(
            {
                "model": brief(model, "method", "solver", "model_version"),
                "analyzes": [brief(a) for a in analyzed],
                "results": [
                    {
                        **brief(r, "value", "unit"),
                        "supports": [brief(c) for c in g.targets(r.id, "supports")],
                    }
                    for r in g.targets(model.id, "produces")
                ],
            }
        )
    return rows


# --- history and provenance ---------------------------------------------------------------------


@_query(
    "Q-013",
    "Recent changes",
    "Active entities created or changed in the last N days "
    "(default 14), newest first, with what each one superseded.",
    args=["days"],
)
def q013(conn, g: Graph, days: int | str = 14):
    try:
        days = int(days)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"days must be a whole number, got {days!r}") from exc
    if days < 0:
        raise InvalidInput("days must be 0 or more")
    since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    for e in g.entities.values():
        if e.updated_at < since:
            continue
        replaced = [
            r["target_id"]
            for r in conn.execute(
                "SELECT target_id FROM relationships WHERE source_id = ? AND rel_type = "
                "'supersedes' ORDER BY target_id",
                (e.id,),
            )
        ]
        rows.append(
            {
                "entity": brief(e),
                "change": "created" if e.created_at == e.updated_at else "updated",
                "updated_at": e.updated_at,
                "supersedes": replaced,
            }
        )
    return sorted(rows, key=lambda r: (r["updated_at"], r["entity"]["id"]), reverse=True)


@_query(
    "Q-014",
    "Decision log with evidence",
    "Active decisions newest first, with rationale, "
    "assumptions, supporting evidence, sources and the decisions they replaced.",
)
def q014(conn, g: Graph):
    rows = []
    for dec in g.of_type("Decision"):
        row = _decision_row(g, dec)
        row["evidence"] = [brief(s) for s in g.sources(dec.id, "supports")]
        row["source_refs"] = refs_of(dec)
        row["supersedes"] = [
            {"id": r["id"], "name": r["name"], "statement": r["statement"]}
            for r in conn.execute(
                "SELECT e.id, e.name, json_extract(e.attributes, '$.statement') AS statement "
                "FROM relationships r JOIN entities e ON e.id = r.target_id "
                "WHERE r.source_id = ? AND r.rel_type = 'supersedes' ORDER BY e.created_at, e.id",
                (dec.id,),
            )
        ]
        rows.append(row)
    return sorted(
        rows,
        key=lambda r: (_decision_date(g.entities[r["decision"]["id"]]), r["decision"]["id"]),
        reverse=True,
    )


@_query(
    "Q-016",
    "Change impact",
    "What a change to an entity touches: its parts, and the "
    "requirements, constraints, decisions, analyses and interfaces linked to any of them.",
    args=["entity"],
    required=["entity"],
)
def q016(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    assert subject is not None
    scope = [subject, *g.descendants(subject.id)]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for part in scope:
        if part.id != subject.id:
            rows[("contains", part.id)] = {
                "relation": "contains",
                "entity": brief(part),
                "via": subject.name,
            }
        links = [("satisfies", t) for t in g.targets(part.id, "satisfies")]
        links += [("interfaces_with", t) for t in g.targets(part.id, "interfaces_with")]
        links += [("interfaces_with", s) for s in g.sources(part.id, "interfaces_with")]
        links += [
            (r, s) for r in ("constrains", "affects", "analyzes") for s in g.sources(part.id, r)
        ]
        for rel, other in links:
            key = (rel, other.id)
            if key not in rows:
                rows[key] = {"relation": rel, "entity": brief(other), "via": part.name}
    return sorted(
        rows.values(),
        key=lambda r: (
            r["relation"],
            r["entity"]["type"],
            r["entity"]["name"].lower(),
            r["entity"]["id"],
        ),
    )


@_query(
    "Q-017",
    "Evidence chain",
    "For an entity (every active entity when none is given): "
    "its source references and the derived_from / sourced_from chain back to sources.",
    args=["entity"],
)
def q017(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    subjects = (
        [subject]
        if subject
        else sorted(g.entities.values(), key=lambda e: (e.entity_type, e.name.lower(), e.id))
    )
    rows = []
    for e in subjects:
        chain, seen, stack = [], {e.id}, [e.id]
        while stack:
            current = stack.pop()
            for rel in ("derived_from", "sourced_from"):
                for up in g.targets(current, rel):
                    if up.id not in seen:
                        seen.add(up.id)
                        stack.append(up.id)
                        chain.append(
                            {"relation": rel, "entity": brief(up), "source_refs": refs_of(up)}
                        )
        refs = refs_of(e)
        rows.append(
            {
                "entity": brief(e),
                "source_refs": refs,
                "chain": chain,
                "evidence": len(refs) + sum(len(c["source_refs"]) for c in chain),
            }
        )
    return rows


@_query(
    "Q-018",
    "Open conflicts",
    "Open conflicts of the project (or touching one entity).",
    args=["entity"],
)
def q018(conn, g: Graph, entity: str | None = None):
    from atocore.engineering.conflicts import list_conflicts

    subject = _entity_arg(conn, g, entity)
    rows = []
    for c in list_conflicts(conn, g.project, status="open"):
        if subject is not None and subject.id not in {m.id for m in c.members}:
            continue
        rows.append(
            {
                "conflict": c.id,
                "slot": c.slot_key,
                "field": c.field,
                "detected_by": c.detected_by,
                "created_at": c.created_at,
                "members": [m.model_dump() for m in c.members],
            }
        )
    return rows


@_query(
    "Q-019",
    "Parameters",
    "Parameters of an entity and its parts (all parameters when none "
    "is given), with owner, value, unit and tolerance.",
    args=["entity"],
)
def q019(conn, g: Graph, entity: str | None = None):
    subject = _entity_arg(conn, g, entity)
    scope = None
    if subject is not None:
        scope = {subject.id} | {d.id for d in g.descendants(subject.id)}
    rows = []
    for p in g.of_type("Parameter"):
        owners = g.parents(p.id)
        if scope is not None and not ({o.id for o in owners} & scope or p.id in scope):
            continue
        rows.append(
            {
                "parameter": brief(p, "value", "unit", "tolerance"),
                "owners": [brief(o) for o in owners],
            }
        )
    return sorted(
        rows,
        key=lambda r: (
            [o["name"].lower() for o in r["owners"]],
            r["parameter"]["name"].lower(),
            r["parameter"]["id"],
        ),
    )


@_query(
    "Q-020",
    "Requirement verification trace",
    "Each active requirement → the design that "
    "satisfies it → the claims that argue it is met → the results behind those claims; "
    "status verified / claimed / unverified.",
)
def q020(conn, g: Graph):
    rows = []
    for req in g.of_type("Requirement"):
        claims = []
        for claim in [
            s for s in g.sources(req.id, "supports") if s.entity_type == "ValidationClaim"
        ]:
            results = [s for s in g.sources(claim.id, "supports") if s.entity_type == "Result"]
            claims.append(
                {
                    **brief(claim, "criterion"),
                    "results": [brief(r, "value", "unit") for r in results],
                }
            )
        status = (
            "verified"
            if any(c["results"] for c in claims)
            else "claimed"
            if claims
            else "unverified"
        )
        rows.append(
            {
                "requirement": brief(req, "statement"),
                "satisfied_by": [brief(s) for s in g.sources(req.id, "satisfies")],
                "claims": claims,
                "status": status,
            }
        )
    return rows


# --- entry points -----------------------------------------------------------------------------


def normalize_query_id(qid: str) -> str:
    raw = (qid or "").strip().upper().replace("Q", "").lstrip("-")
    if not raw.isdigit():
        raise InvalidInput(f"query id must look like Q-006, got {qid!r}")
    name = f"Q-{int(raw):03d}"
    if name not in _CATALOG:
        known = ", ".join(sorted(_CATALOG))
        raise InvalidInput(f"no query {name} (Q-015 is deferred); available: {known}")
    return name


def run_query(conn: Any, qid: str, *, project: str, **args: Any) -> QueryResult:
    """Run a catalog query against a project's active entities."""
    project = resolve_project_name(project)
    if not project:
        raise InvalidInput("a project is required (--project)")
    name = normalize_query_id(qid)
    definition, fn = _CATALOG[name]
    given = {k: v for k, v in args.items() if v is not None and v != ""}
    unknown = set(given) - set(definition.args)
    if unknown:
        raise InvalidInput(
            f"{name} does not take {', '.join(sorted(unknown))} "
            f"(takes: {', '.join(definition.args) or 'no arguments'})"
        )
    missing = [a for a in definition.required if a not in given]
    if missing:
        raise InvalidInput(f"{name} needs --{missing[0]}")
    rows = fn(conn, Graph(conn, project), **given)
    return QueryResult(
        query=name,
        title=definition.title,
        project=project,
        args=given,
        count=len(rows),
        rows=rows,
    )


# Direct functions for callers that prefer names to ids (the Human Mirror, HTTP).
def subsystem_contents(conn, project, subsystem=None):
    return run_query(conn, "Q-001", project=project, entity=subsystem)


def subsystem_tree(conn, project):
    return run_query(conn, "Q-004", project=project)


def requirement_coverage(conn, project):
    return run_query(conn, "Q-005", project=project)


def orphan_requirements(conn, project):
    return run_query(conn, "Q-006", project=project)


def decisions_affecting(conn, project, entity=None):
    return run_query(conn, "Q-008", project=project, entity=entity)


def flagged_assumption_decisions(conn, project):
    return run_query(conn, "Q-009", project=project)


def validation_claims(conn, project):
    return run_query(conn, "Q-010", project=project)


def unsupported_claims(conn, project):
    return run_query(conn, "Q-011", project=project)


def recent_changes(conn, project, days=14):
    return run_query(conn, "Q-013", project=project, days=days)


def decision_log(conn, project):
    return run_query(conn, "Q-014", project=project)


def evidence_chain(conn, project, entity=None):
    return run_query(conn, "Q-017", project=project, entity=entity)
