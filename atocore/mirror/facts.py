"""Page facts: the plain, sorted data each Mirror template renders.

Everything returned here is JSON-serializable and fully ordered, because it
is both the template context and the input of the page checksum. Rules:

- only active entities appear, except superseded decisions in the decision
  log history and status changes in "recent changes";
- an entity that is a member of an open conflict carries ``disputes`` (the
  template shows ``⚠ disputed`` with the conflict id);
- an active trusted project-state entry whose key equals an entity's name or
  identity key (case-insensitive) in a matching category replaces the value
  shown for that entity and marks it ``curated``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from atocore.engineering.schemas import Entity
from atocore.mirror.graph import MirrorGraph, by_name, member_name, parse_time
from atocore.text import slugify

RECENT_DAYS = 14
RECENT_LIMIT = 50
REVIEW_VERBS = {
    "promote": "promoted",
    "reject": "rejected",
    "supersede": "superseded",
    "edit": "edited",
    "resolve": "resolved",
    "graduate": "graduated",
}

# project_state categories allowed to override the value shown for each entity type.
CURATED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Decision": ("decision",),
    "Requirement": ("requirement",),
    "Constraint": ("requirement", "fact"),
}
DEFAULT_CURATED_CATEGORIES = ("fact", "config")


def fmt_time(value: str | None) -> str:
    """'YYYY-MM-DD HH:MM' in UTC, or '' when unknown."""
    parsed = parse_time(value)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else ""


def fmt_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_unit(value: Any, unit: Any) -> str:
    text = fmt_scalar(value)
    return f"{text} {unit}".strip() if text and unit else text


def _member_status(member: Any) -> str:
    """An entity member's status; project-state (or vanished) members show their kind."""
    if member.kind == "entity" and member.status != "missing":
        return member.status
    return member.kind


def summary(node: Entity) -> str:
    """The one value a page shows for an entity."""
    a = node.attributes
    if node.entity_type == "Parameter":
        text = _with_unit(a.get("value"), a.get("unit"))
        if a.get("tolerance") not in (None, ""):
            text += f" ± {fmt_scalar(a['tolerance'])}"
        return text
    if node.entity_type == "Result":
        text = _with_unit(a.get("value"), a.get("unit"))
        return f"{a['metric']} = {text}" if a.get("metric") and text else text
    if node.entity_type == "Material":
        return str(a.get("grade") or a.get("description") or "")
    return str(a.get("statement") or a.get("description") or "")


SUMMARY_FIELD = {"Parameter": "value", "Result": "value", "Material": "grade"}
_STATE_KEY_SEPARATORS = (".", "/", ":")


def summary_field(node: Entity) -> str:
    """The attribute :func:`summary` is built from (a curated override replaces it)."""
    if node.entity_type in SUMMARY_FIELD:
        return SUMMARY_FIELD[node.entity_type]
    return "statement" if "statement" in node.attributes else "description"


class Curation:
    """Looks up trusted project-state overrides for entities.

    Two forms: a whole-value override (key = the entity's name or identity
    key, in a category that fits its type) and a field override (key =
    ``<entity key or name>.<field>`` in any category; ``/`` and ``:`` also
    separate) — the same key form the conflict detector compares.
    """

    def __init__(self, state: list[Any]) -> None:
        self._by_key: dict[tuple[str, str], Any] = {}
        self._by_field: dict[tuple[str, str], Any] = {}
        for entry in sorted(state, key=lambda e: (e.category, e.key, e.id)):
            key = entry.key.strip()
            self._by_key.setdefault((entry.category, key.lower()), entry)
            for sep in _STATE_KEY_SEPARATORS:
                if sep in key:
                    ref, field = key.rsplit(sep, 1)
                    field = field.strip().lower().replace("-", "_").replace(" ", "_")
                    self._by_field.setdefault((slugify(ref), field), entry)
                    break

    def find(self, node: Entity) -> Any | None:
        """Whole-value override of what a page shows for ``node``."""
        categories = CURATED_CATEGORIES.get(node.entity_type, DEFAULT_CURATED_CATEGORIES)
        for category in categories:
            for key in (node.name.strip().lower(), node.identity_key.strip().lower()):
                entry = self._by_key.get((category, key))
                if entry is not None:
                    return entry
        return self.field(node, summary_field(node))

    def field(self, node: Entity, field: str) -> Any | None:
        """Override of one attribute of ``node``."""
        for ref in (slugify(node.identity_key), slugify(node.name)):
            entry = self._by_field.get((ref, field))
            if entry is not None:
                return entry
        return None


class FactBuilder:
    """Derives the page facts of one project from its graph and project state."""

    def __init__(self, graph: MirrorGraph, catalog: Any, state: list[Any], now: datetime) -> None:
        self.g = graph
        self.cat = catalog
        self.state = state
        self.now = now
        self.curation = Curation(state)
        self.subsystem_slugs = self._assign_slugs()
        self._flagged: dict[str, list[str]] | None = None
        self._decisions: list[dict[str, Any]] | None = None
        self._chains: dict[str, list[dict[str, Any]]] | None = None

    # --- shared pieces ------------------------------------------------------------

    def _assign_slugs(self) -> dict[str, str]:
        slugs: dict[str, str] = {}
        taken: set[str] = set()
        for node in self.g.active("Subsystem"):
            slug = slugify(node.name) or node.id[:12]
            if slug in taken:
                slug = f"{slug}-{node.id[:8]}"
            taken.add(slug)
            slugs[node.id] = slug
        return slugs

    def ref(self, node: Entity) -> dict[str, Any]:
        """The common shape of an entity on a page."""
        value = summary(node)
        curated = self.curation.find(node) if node.status == "active" else None
        disputes = [
            {"id": c.id, "field": c.field, "competing": self._conflict_values(c)}
            for c in sorted(self.g.disputes.get(node.id, []), key=lambda c: c.id)
        ]
        return {
            "id": node.id,
            "short_id": node.id[:8],
            "type": node.entity_type,
            "name": node.name,
            "status": node.status,
            "value": curated.value if curated else value,
            "entity_value": value,
            "curated": curated is not None,
            "disputes": disputes,
            "page": (
                f"subsystems/{self.subsystem_slugs[node.id]}.md"
                if node.id in self.subsystem_slugs
                else ""
            ),
        }

    @staticmethod
    def _conflict_values(conflict: Any) -> list[str]:
        return sorted({m.value for m in conflict.members if m.value})

    def _refs(self, nodes: list[Entity]) -> list[dict[str, Any]]:
        return [self.ref(n) for n in sorted(nodes, key=by_name)]

    def nodes(self, ids: Any) -> list[Entity]:
        """Active nodes for catalog ids (unknown ids are skipped), sorted by name."""
        found = {i: self.g.nodes[i] for i in ids if i in self.g.nodes}
        return sorted((n for n in found.values() if n.status == "active"), key=by_name)

    def flagged(self) -> dict[str, list[str]]:
        if self._flagged is None:
            self._flagged = self.cat.flagged()
        return self._flagged

    def project_state(self) -> list[dict[str, str]]:
        rows = [
            {"category": e.category, "key": e.key, "value": e.value, "source": e.source}
            for e in self.state
        ]
        return sorted(rows, key=lambda r: (r["category"], r["key"].lower(), r["key"]))

    def _decided(self, node: Entity) -> str:
        return str(node.attributes.get("decided_on") or "") or fmt_time(node.created_at)[:10]

    def decision(
        self,
        node: Entity,
        affects: list[str] | None = None,
        *,
        detail: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A decision; ``affects`` / ``detail`` come from Q-008 / Q-014 rows."""
        item = self.ref(node)
        item["decided_on"] = self._decided(node)
        if affects is None:
            affects = [n.id for n in self.g.targets(node.id, "affects")]
        item["affects"] = self._refs(self.nodes(affects))
        item["flagged_assumptions"] = self._refs(self.nodes(self.flagged().get(node.id, [])))
        if detail is not None:
            a = node.attributes
            item["rationale"] = str(a.get("rationale") or "")
            item["alternatives"] = sorted(str(x) for x in a.get("alternatives") or [])
            item["assumptions"] = [
                {**self.ref(x), "needs_review": bool(x.attributes.get("needs_review"))}
                for x in self.nodes(detail["assumptions"])
            ]
            item["evidence"] = self._refs(self.nodes(detail["evidence"]))
            item["sources"] = self.source_refs(node)
            item["replaces"] = [
                {"id": x.id, "name": x.name}
                for x in sorted(
                    (self.g.nodes[i] for i in detail.get("replaces", []) if i in self.g.nodes),
                    key=by_name,
                )
            ]
        return item

    @staticmethod
    def format_refs(refs: list[Any]) -> list[str]:
        lines = []
        for ref in refs:
            if not isinstance(ref, dict):
                continue
            text = f"{ref.get('kind', '')}: {ref.get('ref', '')}"
            origin = " ".join(str(ref[k]) for k in ("exporter", "exporter_version") if ref.get(k))
            lines.append(f"{text} ({origin})" if origin else text)
        return sorted(lines)

    def source_refs(self, node: Entity) -> list[str]:
        """The node's own references plus, for active entities, the Q-017 chain behind it."""
        lines = self.format_refs(node.source_refs)
        if node.status != "active":
            return lines
        if self._chains is None:
            self._chains = self.cat.evidence_chains()
        for link in self._chains.get(node.id, []):
            upstream = self.g.nodes.get(link["id"])
            name = upstream.name if upstream else link["id"]
            verb = link["relation"].replace("_", " ")
            refs = "; ".join(self.format_refs(link["refs"]))
            lines.append(f"{verb} {name}" + (f" ({refs})" if refs else ""))
        return lines

    def _decision_order(self, node: Entity) -> tuple[str, str, str]:
        return (self._decided(node), node.updated_at, node.id)

    def active_decisions(self) -> list[dict[str, Any]]:
        """Q-008: every active decision, newest first."""
        if self._decisions is None:
            self._decisions = [
                self.decision(self.g.nodes[i], affects)
                for i, affects in self.cat.decisions()
                if i in self.g.nodes
            ]
        return self._decisions

    def requirements(self, ids: set[str] | None = None) -> list[dict[str, Any]]:
        """Q-005 coverage with Q-006 orphans (only ``ids`` when given)."""
        orphans = self.cat.orphans()
        rows = []
        for req_id, satisfied_by in self.cat.coverage():
            if req_id not in self.g.nodes or (ids is not None and req_id not in ids):
                continue
            node = self.g.nodes[req_id]
            item = self.ref(node)
            item["satisfied_by"] = self._refs(self.nodes(satisfied_by))
            item["priority"] = str(node.attributes.get("priority") or "")
            item["orphan"] = req_id in orphans
            rows.append(item)
        return rows

    def claims(self) -> list[dict[str, Any]]:
        """Q-010 claims with Q-011 support status."""
        unsupported = self.cat.unsupported()
        rows = []
        for claim_id, results in self.cat.claims():
            if claim_id not in self.g.nodes:
                continue
            item = self.ref(self.g.nodes[claim_id])
            item["supported_by"] = self._refs(self.nodes(results))
            item["supported"] = claim_id not in unsupported
            rows.append(item)
        return rows

    def _change(self, node: Entity, cutoff: datetime) -> str:
        """What happened last: the latest review action in the window, else created/updated."""
        review = self.g.reviews.get(node.id)
        when = parse_time(review[0]) if review else None
        if review and when is not None and cutoff <= when <= self.now:
            return REVIEW_VERBS.get(review[1], review[1])
        return "created" if node.created_at == node.updated_at else "updated"

    def recent_changes(self, scope: set[str] | None = None) -> list[dict[str, Any]]:
        cutoff = self.now - timedelta(days=RECENT_DAYS)
        found = []
        for node in self.g.nodes.values():
            if scope is not None and node.id not in scope:
                continue
            when = parse_time(node.updated_at)
            if when is None or when < cutoff or when > self.now:
                continue
            found.append((when, node))
        found.sort(
            key=lambda item: (item[0], item[1].entity_type, item[1].name.lower(), item[1].id)
        )
        found.reverse()
        return [
            {
                "when": fmt_time(n.updated_at),
                "type": n.entity_type,
                "name": n.name,
                "id": n.id,
                "short_id": n.id[:8],
                "status": n.status,
                "change": self._change(n, cutoff),
            }
            for _, n in found[:RECENT_LIMIT]
        ]

    # --- the subsystem tree ---------------------------------------------------------

    def _tree(self, node: Entity, seen: frozenset[str]) -> dict[str, Any]:
        seen = seen | {node.id}
        item = self.ref(node)
        item["components"] = self._refs(self.g.children(node.id, "Component"))
        item["children"] = [
            self._tree(child, seen)
            for child in self.g.children(node.id, "Subsystem")
            if child.id not in seen
        ]
        return item

    def subsystem_tree(self) -> list[dict[str, Any]]:
        roots = [s for s in self.g.active("Subsystem") if not self.g.parents(s.id, "Subsystem")]
        if not roots:  # a containment cycle: show every subsystem flat rather than nothing
            roots = self.g.active("Subsystem")
        return [self._tree(root, frozenset()) for root in roots]

    # --- pages ------------------------------------------------------------------------

    def header(self, registered: Any) -> dict[str, Any]:
        return {
            "id": self.g.project,
            "aliases": sorted(registered.aliases) if registered else [],
            "description": registered.description if registered else "",
            "registered": registered is not None,
        }

    def overview(self, registered: Any) -> dict[str, Any]:
        requirements = self.requirements()
        claims = self.claims()
        counts: dict[str, int] = {}
        for node in self.g.active():
            counts[node.entity_type] = counts.get(node.entity_type, 0) + 1
        return {
            "project": self.header(registered),
            "project_state": self.project_state(),
            "entity_counts": [{"type": t, "count": counts[t]} for t in sorted(counts)],
            "candidates": self.g.candidates,
            "subsystem_tree": self.subsystem_tree(),
            "decisions": self.active_decisions(),
            "requirements": requirements,
            "orphan_requirements": [r for r in requirements if r["orphan"]],
            "claims": claims,
            "unsupported_claims": [c for c in claims if not c["supported"]],
            "conflicts": self.conflicts(),
            "recent_changes": self.recent_changes(),
            "recent_days": RECENT_DAYS,
        }

    def conflicts(self) -> list[dict[str, Any]]:
        rows = []
        for conflict in sorted(self.g.conflicts, key=lambda c: (c.created_at, c.id)):
            members = sorted(
                ((member_name(self.g, m), m) for m in conflict.members),
                key=lambda r: (r[0].lower(), r[1].value, r[1].id),
            )
            rows.append(
                {
                    "id": conflict.id,
                    "field": conflict.field,
                    "reason": conflict.reason,
                    "opened": fmt_time(conflict.created_at),
                    "members": [
                        {
                            "name": name,
                            "value": member.value,
                            "status": _member_status(member),
                            "short_id": member.id[:8],
                        }
                        for name, member in members
                    ],
                }
            )
        return rows

    def decision_log(self, registered: Any) -> dict[str, Any]:
        """Q-014 for active decisions; superseded ones (not in Q-014) as history."""
        active = [
            self.decision(self.g.nodes[row["id"]], row["affects"], detail=row)
            for row in self.cat.decision_log()
            if row["id"] in self.g.nodes
        ]
        superseded = [
            n
            for n in self.g.nodes.values()
            if n.entity_type == "Decision" and n.status == "superseded"
        ]
        history = []
        for node in sorted(superseded, key=self._decision_order, reverse=True):
            item = self.decision(
                node,
                detail={
                    "assumptions": [
                        i
                        for r, i in self.g.out_edges.get(node.id, [])
                        if r == "based_on_assumption"
                    ],
                    "evidence": [],
                },
            )
            successor = self.g.nodes.get(node.superseded_by or "")
            if successor is None:
                newer = [
                    self.g.nodes[i]
                    for r, i in self.g.in_edges.get(node.id, [])
                    if r == "supersedes" and self.g.nodes[i].entity_type == "Decision"
                ]
                successor = min(newer, key=by_name) if newer else None
            item["superseded_by"] = (
                {"id": successor.id, "name": successor.name, "status": successor.status}
                if successor is not None
                else None
            )
            history.append(item)
        return {"project": self.header(registered), "decisions": active, "history": history}

    def _scope(self, subsystem: Entity) -> list[Entity]:
        """The subsystem and every component reachable through containment."""
        scope: dict[str, Entity] = {subsystem.id: subsystem}
        frontier = [subsystem]
        while frontier:
            current = frontier.pop()
            for child in self.g.children(current.id, "Component"):
                if child.id not in scope:
                    scope[child.id] = child
                    frontier.append(child)
        return sorted(scope.values(), key=by_name)

    def subsystem(self, registered: Any, node: Entity) -> dict[str, Any]:
        scope = self._scope(node)
        ids = {n.id for n in scope}
        components = []
        for comp in scope:
            if comp.entity_type != "Component":
                continue
            item = self.ref(comp)
            a = comp.attributes
            item["fields"] = []
            for label, name in (
                ("Material", "material"),
                ("Part number", "part_number"),
                ("Quantity", "quantity"),
            ):
                override = self.curation.field(comp, name)
                shown = override.value if override else fmt_scalar(a.get(name))
                if shown != "":
                    item["fields"].append(
                        {"label": label, "value": shown, "curated": override is not None}
                    )
            item["parent"] = ", ".join(p.name for p in self.g.parents(comp.id) if p.id != node.id)
            item["parameters"] = self._refs(self.g.children(comp.id, "Parameter"))
            components.append(item)

        interfaces: dict[str, Entity] = {}
        links: set[tuple[str, str]] = set()
        for member in scope:
            for other in self.g.children(member.id, "Interface"):
                interfaces[other.id] = other
            for rel_nodes in (
                self.g.targets(member.id, "interfaces_with"),
                self.g.sources(member.id, "interfaces_with"),
            ):
                for other in rel_nodes:
                    if other.entity_type == "Interface":
                        interfaces[other.id] = other
                    elif other.id not in ids or member.id < other.id:
                        links.add((member.name, other.name))

        for itf in self.nodes(self.cat.interfaces(node.id)):
            interfaces[itf.id] = itf
        constraints = {c.id: c for c in self.nodes(self.cat.constraints(node.id))}
        decisions = {i for i, _ in self.cat.decisions(node.id)}
        requirements: dict[str, Entity] = {}
        for member in scope:
            for c in self.g.sources(member.id, "constrains"):
                if c.entity_type in ("Constraint", "Requirement"):
                    (constraints if c.entity_type == "Constraint" else requirements)[c.id] = c
            decisions.update(d.id for d in self.g.sources(member.id, "affects", "Decision"))
            for r in self.g.targets(member.id, "satisfies", "Requirement"):
                requirements[r.id] = r
        reqs = self.requirements(set(requirements))
        subsystems = self.g.parents(node.id, "Subsystem")
        return {
            "project": self.header(registered),
            "subsystem": {
                **self.ref(node),
                "description": str(node.attributes.get("description") or ""),
                "slug": self.subsystem_slugs[node.id],
            },
            "parents": self._refs(subsystems),
            "children": self._refs(self.g.children(node.id, "Subsystem")),
            "components": components,
            "interfaces": self._refs(list(interfaces.values())),
            "interface_links": [{"a": a, "b": b} for a, b in sorted(links)],
            "constraints": self._refs(list(constraints.values())),
            "decisions": [d for d in self.active_decisions() if d["id"] in decisions],
            "requirements": reqs,
            "open_requirements": [r for r in reqs if r["orphan"]],
            "satisfied_requirements": [r for r in reqs if not r["orphan"]],
            "recent_changes": self.recent_changes(
                ids | set(decisions) | set(constraints) | set(interfaces)
            ),
            "recent_days": RECENT_DAYS,
        }

    def empty(self, registered: Any) -> dict[str, Any]:
        return {
            "project": self.header(registered),
            "project_state": self.project_state(),
            "candidates": self.g.candidates,
        }
