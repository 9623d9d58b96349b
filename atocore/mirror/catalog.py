"""The engineering query catalog, run once per render over one shared graph.

The Mirror's headline facts come from the catalog itself (``atocore eng
query``), so a page never disagrees with the query a reviewer runs: Q-005 /
Q-006 requirement coverage and orphans, Q-008 decisions, Q-009 decisions on
flagged assumptions, Q-010 / Q-011 validation claims, Q-014 the decision
log, and Q-003 / Q-007 / Q-008 scoped to a subsystem. The catalog walks the
active-only view of the Mirror's own load of the graph, and every query
function is called on it directly (``run_query`` would reload it per call).
Results are reduced to entity ids; the pages look the ids up in the Mirror's
graph for display and trust annotations.
"""

from __future__ import annotations

from typing import Any

from atocore.db.types import Connection
from atocore.mirror.graph import MirrorGraph


class Catalog:
    def __init__(self, conn: Connection, graph: MirrorGraph) -> None:
        from atocore.engineering import queries

        self._conn = conn
        self._queries = queries
        self._memo: dict[tuple[str, tuple[tuple[str, Any], ...]], list[dict[str, Any]]] = {}
        self.graph = graph.entities.only_active()

    def run(self, qid: str, **args: Any) -> list[dict[str, Any]]:
        """Rows of a catalog query (memoized: the graph does not change during a render)."""
        name = self._queries.normalize_query_id(qid)
        given = tuple(sorted((k, v) for k, v in args.items() if v is not None))
        key = (name, given)
        if key not in self._memo:
            fn = getattr(self._queries, "q" + name[2:])
            self._memo[key] = fn(self._conn, self.graph, **dict(given))
        return self._memo[key]

    # --- reductions to ids ------------------------------------------------------------

    def coverage(self) -> list[tuple[str, list[str]]]:
        """Q-005: (requirement id, ids of what satisfies it), in catalog order."""
        return [
            (r["requirement"]["id"], [s["id"] for s in r["satisfied_by"]])
            for r in self.run("Q-005")
        ]

    def orphans(self) -> set[str]:
        """Q-006: ids of requirements nothing active satisfies."""
        return {r["requirement"]["id"] for r in self.run("Q-006")}

    def claims(self) -> list[tuple[str, list[str]]]:
        """Q-010: (claim id, ids of the results supporting it)."""
        return [(r["claim"]["id"], [s["id"] for s in r["supported_by"]]) for r in self.run("Q-010")]

    def unsupported(self) -> set[str]:
        """Q-011: ids of claims no result supports."""
        return {r["claim"]["id"] for r in self.run("Q-011")}

    def decisions(self, entity: str | None = None) -> list[tuple[str, list[str]]]:
        """Q-008: (decision id, ids it affects), newest first."""
        return [
            (r["decision"]["id"], [a["id"] for a in r["affects"]])
            for r in self.run("Q-008", entity=entity)
        ]

    def flagged(self) -> dict[str, list[str]]:
        """Q-009: decision id → ids of its assumptions flagged needs_review."""
        return {
            r["decision"]["id"]: [a["id"] for a in r["flagged_assumptions"]]
            for r in self.run("Q-009")
        }

    def decision_log(self) -> list[dict[str, Any]]:
        """Q-014: decision id, affects, assumptions, evidence ids, newest first."""
        return [
            {
                "id": r["decision"]["id"],
                "affects": [a["id"] for a in r["affects"]],
                "assumptions": [a["id"] for a in r["based_on"]],
                "evidence": [e["id"] for e in r["evidence"]],
                "replaces": [x["id"] for x in r["supersedes"]],
            }
            for r in self.run("Q-014")
        ]

    def evidence_chains(self) -> dict[str, list[dict[str, Any]]]:
        """Q-017: entity id → the entities it was derived or sourced from, with their refs."""
        return {
            r["entity"]["id"]: [
                {"relation": c["relation"], "id": c["entity"]["id"], "refs": c["source_refs"]}
                for c in r["chain"]
            ]
            for r in self.run("Q-017")
        }

    def interfaces(self, entity: str) -> list[str]:
        """Q-003 scoped to ``entity``: interfaces touching it or its parts.

        Same rule as ``Q-003 --entity``, applied to the unscoped rows the
        render has already run (one Q-003 run serves every entity page).
        """
        scope = self.graph.around(entity)
        return [
            r["interface"]["id"]
            for r in self.run("Q-003")
            if r["interface"]["id"] == entity or {b["id"] for b in r["between"]} & scope
        ]

    def constraints(self, entity: str) -> list[str]:
        """Q-007 scoped: ids of constraints on the entity or what contains it."""
        return [r["constraint"]["id"] for r in self.run("Q-007", entity=entity)]
