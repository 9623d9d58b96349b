"""Catalog queries on validation, history and provenance: Q-010 … Q-020 (see ``queries``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from atocore.engineering.graph import Graph, brief, refs_of
from atocore.engineering.queries_design import _decision_row, newest_decisions_first
from atocore.engineering.query_registry import entity_arg as _entity_arg
from atocore.engineering.query_registry import register_query as _query
from atocore.engineering.query_registry import scope_of, touches
from atocore.engineering.schemas import Entity
from atocore.errors import InvalidInput
from atocore.timeutil import STORAGE_FORMAT

# --- validation -------------------------------------------------------------------------------


def _supporting(g: Graph, entity_id: str, entity_type: str) -> list[Entity]:
    """The ``entity_type`` entities that ``supports`` the entity (results behind a
    claim, claims behind a requirement)."""
    return [s for s in g.sources(entity_id, "supports") if s.entity_type == entity_type]


def _claims(g: Graph) -> list[dict[str, Any]]:
    rows = []
    for claim in g.of_type("ValidationClaim"):
        results = _supporting(g, claim.id, "Result")
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
    scope = scope_of(g, _entity_arg(conn, g, entity), containers=True)
    rows = []
    for model in g.of_type("AnalysisModel"):
        analyzed = g.targets(model.id, "analyzes")
        if not touches(scope, model, analyzed):
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
    since = (datetime.now(UTC) - timedelta(days=days)).strftime(STORAGE_FORMAT)
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
    return newest_decisions_first(g, rows)


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
    scope = scope_of(g, _entity_arg(conn, g, entity))
    rows = []
    for p in g.of_type("Parameter"):
        owners = g.parents(p.id)
        if not touches(scope, p, owners):
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
        for claim in _supporting(g, req.id, "ValidationClaim"):
            results = _supporting(g, claim.id, "Result")
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
