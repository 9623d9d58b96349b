"""Legacy alias migration: fold rows keyed under a project alias into the canonical id.

Before every service canonicalized project names, writing with an alias
(``p05``) created a separate ``projects`` row and stored memories and
interactions under the alias string. Canonicalized reads (``p05`` →
``p05-interferometer``) no longer see those rows. This module finds them
(:func:`build_plan`, read-only) and moves them (:func:`apply_plan`).

Rules, mapped onto our project_state, which keeps history (several rows
per (project, category, key), at most one ``active``):

- A *shadow* project is a ``projects`` row whose name is a registered alias
  (case-insensitive). Its state rows move to the canonical project row
  (created when missing); the shadow row is then deleted.
- Shadow **active** row vs the canonical's active row for the same
  (category, key): same value → merged (the shadow copy is dropped);
  different value → a *collision*: the plan lists it and apply refuses.
  No canonical active row → the shadow row becomes the canonical's active
  value, even when the canonical only has inactive (superseded) rows for
  that key — those stay as history ("active shadow replaces inactive
  canonical").
- Shadow **inactive** rows are history and are preserved (moved with their
  status) unless the canonical already holds the exact same
  (category, key, value); then they are dropped and reported as
  *historical drops* (no information is lost).
- Memories and interactions whose ``project`` is an alias (or a case /
  whitespace variant of the canonical id) are rekeyed. A live memory that
  duplicates a canonical memory of the same type, content and status is
  superseded by it (review-log entry written).
- Integrity errors (two ``projects`` rows that are case variants of one
  canonical id) make the plan unappliable: which one is canonical is a
  human decision.
- Other tables with a ``project`` column (sources, chunks, entities...)
  were always written canonicalized; alias-keyed rows there are only
  counted in the report (``other_alias_rows``), never moved.

Running the migration twice is a no-op: the second plan is empty.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.errors import ConflictError, InvalidInput
from atocore.projects.registry import Registry
from atocore.review_log import record_review
from atocore.timeutil import now_utc

LIVE_MEMORY_STATUSES = ("active", "candidate")


class MigrationRefused(ConflictError):
    """The plan has collisions or integrity errors; nothing was changed."""


@dataclass
class ShadowProject:
    shadow_id: str
    shadow_name: str
    canonical_project_id: str
    state_rows: int = 0


@dataclass
class StatePlan:
    canonical_project_id: str
    canonical_row_id: str | None  # None: the canonical projects row must be created
    shadow_ids: list[str] = field(default_factory=list)
    rows_to_rekey: list[dict] = field(default_factory=list)
    merged_duplicates: list[dict] = field(default_factory=list)
    historical_drops: list[dict] = field(default_factory=list)
    replaced_inactive: list[dict] = field(default_factory=list)
    collisions: list[dict] = field(default_factory=list)


@dataclass
class MemoryPlan:
    canonical_project_id: str
    rows_to_rekey: list[dict] = field(default_factory=list)
    to_supersede: list[dict] = field(default_factory=list)


@dataclass
class InteractionPlan:
    canonical_project_id: str
    rows_to_rekey: list[dict] = field(default_factory=list)


@dataclass
class MigrationPlan:
    alias_map: dict[str, str] = field(default_factory=dict)
    shadow_projects: list[ShadowProject] = field(default_factory=list)
    state_plans: list[StatePlan] = field(default_factory=list)
    memory_plans: list[MemoryPlan] = field(default_factory=list)
    interaction_plans: list[InteractionPlan] = field(default_factory=list)
    integrity_errors: list[str] = field(default_factory=list)
    # Alias-keyed rows in other tables with a ``project`` column: reported, never moved.
    other_alias_rows: dict[str, int] = field(default_factory=dict)

    @property
    def has_collisions(self) -> bool:
        return any(p.collisions for p in self.state_plans)

    @property
    def is_empty(self) -> bool:
        counts = self.counts()
        return not any(counts.values()) and not self.integrity_errors

    def counts(self) -> dict[str, int]:
        return {
            "shadow_projects": len(self.shadow_projects),
            "state_rekey_rows": sum(len(p.rows_to_rekey) for p in self.state_plans),
            "state_collisions": sum(len(p.collisions) for p in self.state_plans),
            "state_merged_duplicates": sum(len(p.merged_duplicates) for p in self.state_plans),
            "state_historical_drops": sum(len(p.historical_drops) for p in self.state_plans),
            "state_replaced_inactive": sum(len(p.replaced_inactive) for p in self.state_plans),
            "memory_rekey_rows": sum(len(p.rows_to_rekey) for p in self.memory_plans),
            "memory_supersede_rows": sum(len(p.to_supersede) for p in self.memory_plans),
            "interaction_rekey_rows": sum(len(p.rows_to_rekey) for p in self.interaction_plans),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias_map": dict(sorted(self.alias_map.items())),
            "counts": self.counts(),
            "is_empty": self.is_empty,
            "has_collisions": self.has_collisions,
            "integrity_errors": list(self.integrity_errors),
            "other_alias_rows": dict(sorted(self.other_alias_rows.items())),
            "shadow_projects": [asdict(s) for s in self.shadow_projects],
            "state_plans": [asdict(p) for p in self.state_plans],
            "memory_plans": [asdict(p) for p in self.memory_plans],
            "interaction_plans": [asdict(p) for p in self.interaction_plans],
        }


# --- planning -------------------------------------------------------------------


def alias_map(registry: Registry) -> dict[str, str]:
    """Lower-cased id and aliases of every registered project → canonical id."""
    mapping: dict[str, str] = {}
    for project in registry.projects:
        for name in project.names():
            mapping[name.strip().lower()] = project.id
    return mapping


def _canonical_for(name: str | None, mapping: dict[str, str]) -> str | None:
    """The canonical id when ``name`` is a non-canonical spelling of a registered project."""
    if not name:
        return None
    canonical = mapping.get(name.strip().lower())
    return canonical if canonical and canonical != name else None


def _state_row(row: Any) -> dict:
    return {
        "id": row["id"],
        "project_id": row["project_id"],
        "category": row["category"],
        "key": row["key"],
        "value": row["value"],
        "status": row["status"],
        "source": row["source"],
        "updated_at": row["updated_at"],
    }


def _plan_state(conn: Connection, plan: StatePlan) -> None:
    canonical_rows = (
        [
            _state_row(r)
            for r in conn.execute(
                "SELECT * FROM project_state WHERE project_id = ?", (plan.canonical_row_id,)
            )
        ]
        if plan.canonical_row_id
        else []
    )
    active: dict[tuple, dict] = {}
    inactive: dict[tuple, list[dict]] = {}
    held: set[tuple] = set()
    for row in canonical_rows:
        slot = (row["category"], row["key"])
        held.add((*slot, row["value"]))
        if row["status"] == "active":
            active[slot] = {**row, "owner": "canonical"}
        else:
            inactive.setdefault(slot, []).append(row)
    marks = ",".join("?" for _ in plan.shadow_ids)
    shadow_rows = [
        _state_row(r)
        for r in conn.execute(
            f"SELECT * FROM project_state WHERE project_id IN ({marks}) "
            "ORDER BY status = 'active' DESC, updated_at DESC, id",
            plan.shadow_ids,
        )
    ]
    for row in shadow_rows:
        slot = (row["category"], row["key"])
        triple = (*slot, row["value"])
        if row["status"] == "active":
            current = active.get(slot)
            if current is None:
                plan.rows_to_rekey.append(row)
                active[slot] = {**row, "owner": "shadow"}
                held.add(triple)
                for old in inactive.get(slot, []):
                    plan.replaced_inactive.append({"shadow": row, "canonical_inactive": old})
            elif current["value"] == row["value"]:
                plan.merged_duplicates.append({**row, "kept_id": current["id"]})
            else:
                plan.collisions.append(
                    {
                        "category": row["category"],
                        "key": row["key"],
                        "shadow": row,
                        "canonical": {k: v for k, v in current.items() if k != "owner"},
                        "canonical_is_shadow": current["owner"] == "shadow",
                    }
                )
        elif triple in held:
            plan.historical_drops.append(row)
        else:
            plan.rows_to_rekey.append(row)
            held.add(triple)


def _memory_key(row: Any) -> tuple[str, str, str]:
    content = re.sub(r"\s+", " ", (row["content"] or "").strip().lower()).rstrip(" .!;:")
    return (row["memory_type"], content, row["status"])


def _aliases_by_canonical(
    conn: Connection, table: str, mapping: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """(canonical id, the alias spellings ``table`` holds for it), sorted by id."""
    by_canonical: dict[str, list[str]] = {}
    for (name,) in conn.execute(f"SELECT DISTINCT project FROM {table}"):
        canonical = _canonical_for(name, mapping)
        if canonical:
            by_canonical.setdefault(canonical, []).append(name)
    return sorted(by_canonical.items())


def _plan_memories(conn: Connection, mapping: dict[str, str]) -> list[MemoryPlan]:
    plans = []
    for canonical, aliases in _aliases_by_canonical(conn, "memories", mapping):
        plan = MemoryPlan(canonical)
        survivors: dict[tuple, str] = {}
        for row in conn.execute(
            "SELECT * FROM memories WHERE project = ? ORDER BY created_at, id", (canonical,)
        ):
            if row["status"] in LIVE_MEMORY_STATUSES:
                survivors.setdefault(_memory_key(row), row["id"])
        marks = ",".join("?" for _ in aliases)
        for row in conn.execute(
            f"SELECT * FROM memories WHERE project IN ({marks}) ORDER BY created_at, id", aliases
        ):
            item = {
                "id": row["id"],
                "project": row["project"],
                "memory_type": row["memory_type"],
                "content": row["content"],
                "status": row["status"],
            }
            key = _memory_key(row)
            if row["status"] in LIVE_MEMORY_STATUSES and key in survivors:
                plan.to_supersede.append({**item, "duplicate_of": survivors[key]})
            else:
                plan.rows_to_rekey.append(item)
                if row["status"] in LIVE_MEMORY_STATUSES:
                    survivors[key] = row["id"]
        plans.append(plan)
    return plans


def _plan_interactions(conn: Connection, mapping: dict[str, str]) -> list[InteractionPlan]:
    plans = []
    for canonical, aliases in _aliases_by_canonical(conn, "interactions", mapping):
        marks = ",".join("?" for _ in aliases)
        rows = conn.execute(
            f"SELECT id, project, prompt, created_at FROM interactions "
            f"WHERE project IN ({marks}) ORDER BY created_at, id",
            aliases,
        )
        plan = InteractionPlan(canonical)
        plan.rows_to_rekey = [
            {"id": r["id"], "project": r["project"], "prompt": r["prompt"][:80]} for r in rows
        ]
        plans.append(plan)
    return plans


def _tables(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


HANDLED_TABLES = {"projects", "project_state", "memories", "interactions"}


def _other_alias_rows(conn: Connection, mapping: dict[str, str]) -> dict[str, int]:
    """Rows of other tables whose ``project`` is a non-canonical spelling (report only)."""
    found: dict[str, int] = {}
    plain = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%'"
    ).fetchall()
    for (table,) in plain:
        if table in HANDLED_TABLES:
            continue
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if "project" not in cols:
            continue
        names = [r[0] for r in conn.execute(f'SELECT DISTINCT project FROM "{table}"')]
        aliased = [n for n in names if isinstance(n, str) and _canonical_for(n, mapping)]
        if aliased:
            marks = ",".join("?" for _ in aliased)
            count = conn.execute(
                f'SELECT count(*) FROM "{table}" WHERE project IN ({marks})', aliased
            ).fetchone()[0]
            found[table] = count
    return found


def build_plan(conn: Connection, registry: Registry) -> MigrationPlan:
    """What the migration would do (read-only)."""
    mapping = alias_map(registry)
    plan = MigrationPlan(alias_map=mapping)
    if not mapping:
        return plan
    tables = _tables(conn)
    groups: dict[str, dict[str, list]] = {}
    for row in conn.execute("SELECT id, name FROM projects ORDER BY created_at, id"):
        canonical = mapping.get((row["name"] or "").strip().lower())
        if canonical is None:
            continue
        group = groups.setdefault(canonical, {"canonical": [], "shadows": []})
        is_canonical = row["name"].strip().lower() == canonical
        group["canonical" if is_canonical else "shadows"].append(row)
    for canonical, group in sorted(groups.items()):
        if len(group["canonical"]) > 1:
            names = ", ".join(repr(r["name"]) for r in group["canonical"])
            plan.integrity_errors.append(
                f"{len(group['canonical'])} projects rows are case variants of {canonical!r} "
                f"({names}); merge them by hand first"
            )
            continue
        if not group["shadows"]:
            continue
        canonical_row = group["canonical"][0]["id"] if group["canonical"] else None
        state = StatePlan(canonical, canonical_row, [r["id"] for r in group["shadows"]])
        for row in group["shadows"]:
            count = conn.execute(
                "SELECT count(*) FROM project_state WHERE project_id = ?", (row["id"],)
            ).fetchone()[0]
            plan.shadow_projects.append(ShadowProject(row["id"], row["name"], canonical, count))
        _plan_state(conn, state)
        plan.state_plans.append(state)
    if "memories" in tables:
        plan.memory_plans = _plan_memories(conn, mapping)
    if "interactions" in tables:
        plan.interaction_plans = _plan_interactions(conn, mapping)
    plan.other_alias_rows = _other_alias_rows(conn, mapping)
    return plan


# --- applying -----------------------------------------------------------------------


def _project_references(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) pairs other than project_state with a foreign key to projects."""
    refs = []
    for table in sorted(_tables(conn)):
        if table == "project_state" or table.startswith("sqlite_"):
            continue
        try:
            fks = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
        except Exception:  # noqa: BLE001 - virtual tables without a module loaded
            continue
        refs += [(table, fk["from"]) for fk in fks if fk["table"] == "projects"]
    return refs


def apply_plan(
    conn: Connection, plan: MigrationPlan, *, actor: str | None = None
) -> dict[str, int]:
    """Carry out ``plan`` in one transaction; refuses plans with collisions/integrity errors."""
    if plan.integrity_errors:
        raise MigrationRefused(
            "refusing to migrate: " + "; ".join(plan.integrity_errors),
            details={"integrity_errors": plan.integrity_errors},
        )
    if plan.has_collisions:
        slots = [
            f"{c['category']}/{c['key']} ({c['shadow']['value']!r} vs {c['canonical']['value']!r})"
            for p in plan.state_plans
            for c in p.collisions
        ]
        raise MigrationRefused(
            "refusing to migrate: active project-state values collide: " + ", ".join(slots),
            details={"collisions": [c for p in plan.state_plans for c in p.collisions]},
        )
    summary = {
        "canonical_rows_created": 0,
        "shadow_projects_deleted": 0,
        "state_rows_rekeyed": 0,
        "state_rows_merged_as_duplicate": 0,
        "state_rows_historical_dropped": 0,
        "state_rows_replaced_inactive_canonical": 0,
        "other_project_refs_rekeyed": 0,
        "memory_rows_rekeyed": 0,
        "memory_rows_superseded": 0,
        "interaction_rows_rekeyed": 0,
    }
    now = now_utc()
    with transaction(conn):
        refs = _project_references(conn)
        for state in plan.state_plans:
            target = state.canonical_row_id
            if target is None:
                target = str(uuid.uuid4())
                conn.execute(
                    "INSERT INTO projects (id, name, description, created_at, updated_at) "
                    "VALUES (?, ?, '', ?, ?)",
                    (target, state.canonical_project_id, now, now),
                )
                summary["canonical_rows_created"] += 1
            for row in state.rows_to_rekey:
                conn.execute(
                    "UPDATE project_state SET project_id = ? WHERE id = ?", (target, row["id"])
                )
            for row in [*state.merged_duplicates, *state.historical_drops]:
                conn.execute("DELETE FROM project_state WHERE id = ?", (row["id"],))
            summary["state_rows_rekeyed"] += len(state.rows_to_rekey)
            summary["state_rows_merged_as_duplicate"] += len(state.merged_duplicates)
            summary["state_rows_historical_dropped"] += len(state.historical_drops)
            summary["state_rows_replaced_inactive_canonical"] += len(state.replaced_inactive)
            for shadow_id in state.shadow_ids:
                for table, column in refs:
                    cur = conn.execute(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                        (target, shadow_id),
                    )
                    summary["other_project_refs_rekeyed"] += cur.rowcount
                conn.execute("DELETE FROM projects WHERE id = ?", (shadow_id,))
                summary["shadow_projects_deleted"] += 1
        for memories in plan.memory_plans:
            for row in memories.rows_to_rekey:
                conn.execute(
                    "UPDATE memories SET project = ?, updated_at = ? WHERE id = ?",
                    (memories.canonical_project_id, now, row["id"]),
                )
                summary["memory_rows_rekeyed"] += 1
            for row in memories.to_supersede:
                conn.execute(
                    "UPDATE memories SET project = ?, status = 'superseded', superseded_by = ?, "
                    "updated_at = ? WHERE id = ?",
                    (memories.canonical_project_id, row["duplicate_of"], now, row["id"]),
                )
                record_review(
                    conn,
                    "memory",
                    row["id"],
                    "supersede",
                    from_status=row["status"],
                    to_status="superseded",
                    reason=f"legacy alias migration: duplicate of {row['duplicate_of']} "
                    f"in {memories.canonical_project_id}",
                    actor=actor,
                )
                summary["memory_rows_superseded"] += 1
        for interactions in plan.interaction_plans:
            for row in interactions.rows_to_rekey:
                conn.execute(
                    "UPDATE interactions SET project = ? WHERE id = ?",
                    (interactions.canonical_project_id, row["id"]),
                )
                summary["interaction_rows_rekeyed"] += 1
    return summary


# --- the one entry point the CLI uses -------------------------------------------------


def write_report(path: Path, payload: dict) -> Path:
    path = Path(path).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write report {path}: {exc.strerror or exc}") from exc
    return path


def migrate_aliases(
    conn: Connection,
    *,
    apply: bool = False,
    report_path: Path | None = None,
    settings: Any = None,
    backup: bool = True,
) -> dict[str, Any]:
    """Plan (and with ``apply``, carry out) the migration; always writes a JSON report.

    With ``apply`` a safety snapshot of the data dir is taken first (unless
    ``backup`` is false or the plan is empty); plan and apply share one
    write transaction so nothing can change in between.
    """
    from atocore.config import get_settings
    from atocore.projects.registry import load_registry

    settings = settings or get_settings()
    registry = load_registry(settings.registry_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report_path = Path(report_path or settings.logs_dir / f"migrate-aliases-{stamp}.json")
    plan = build_plan(conn, registry)
    payload: dict[str, Any] = {
        "mode": "apply" if apply else "dry-run",
        "created_at": stamp,
        "db_path": str(settings.db_path),
        "registry_path": str(settings.registry_path),
        "plan": plan.to_dict(),
        "summary": None,
        "backup_stamp": None,
        "report_path": str(report_path),
    }
    write_report(report_path, payload)  # fail on an unwritable path before changing anything
    refused: MigrationRefused | None = None
    if apply and not plan.is_empty:
        if plan.integrity_errors or plan.has_collisions:
            try:
                apply_plan(conn, plan)
            except MigrationRefused as exc:
                refused = exc
                payload["refused"] = exc.message
        else:
            if backup:
                from atocore.ops.backup import create_backup

                payload["backup_stamp"] = create_backup(settings, kind="pre-migration")["stamp"]
            with transaction(conn):
                plan = build_plan(conn, registry)
                payload["plan"] = plan.to_dict()
                payload["summary"] = apply_plan(conn, plan)
    write_report(report_path, payload)
    if refused is not None:
        raise MigrationRefused(
            f"{refused.message} (plan written to {report_path})",
            details={**refused.details, "report_path": str(report_path)},
        )
    return payload
