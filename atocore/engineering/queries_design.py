"""Catalog queries on structure and intent: Q-001 … Q-009 (see ``queries``)."""

from __future__ import annotations

from typing import Any

from atocore.engineering.graph import Graph, brief
from atocore.engineering.query_registry import entity_arg as _entity_arg
from atocore.engineering.query_registry import register_query as _query
from atocore.engineering.query_registry import scope_of
from atocore.engineering.schemas import Entity

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
        entry = {"material": m.name, "entity": brief(m, "grade", "properties"), "components": []}
        by_name[m.name.lower()] = by_name[m.identity_key.lower()] = entry
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
    scope = scope_of(g, subject)
    rows = []
    for itf in g.of_type("Interface"):
        between = g.sources(itf.id, "interfaces_with") + g.targets(itf.id, "interfaces_with")
        own = subject is not None and itf.id == subject.id
        if scope is not None and not ({b.id for b in between} & scope or own):
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


def newest_decisions_first(g: Graph, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decision rows by decision date (``decided_on``, else creation), newest first."""

    def decided(row: dict[str, Any]) -> tuple[str, str]:
        dec = g.entities[row["decision"]["id"]]
        return str(dec.attributes.get("decided_on") or dec.created_at), dec.id

    return sorted(rows, key=decided, reverse=True)


@_query(
    "Q-008",
    "Decisions affecting an entity",
    "Active decisions that affect an entity or "
    "anything containing it (all decisions when none is given), newest first.",
    args=["entity"],
)
def q008(conn, g: Graph, entity: str | None = None):
    scope = scope_of(g, _entity_arg(conn, g, entity), parts=False, containers=True)
    rows = []
    for dec in g.of_type("Decision"):
        if scope is not None and not {t.id for t in g.targets(dec.id, "affects")} & scope:
            continue
        rows.append(_decision_row(g, dec))
    return newest_decisions_first(g, rows)


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
