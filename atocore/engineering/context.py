"""Entity slot of the context pack: active engineering entities relevant to a prompt.

Only ACTIVE entities of the pack's project are offered; candidates,
superseded and invalid entities never reach a pack. An entity is relevant
when it shares tokens with the prompt (its name, key and text fields); the
best matches come first, each as one line with its key facts and direct
links. Blocks are added while they fit ``budget_chars``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from atocore.context.blocks import ContextBlock, fit_budget
from atocore.db.types import Connection
from atocore.memory.tokens import tokens
from atocore.projects.registry import resolve_project_name

_MAX_CONSIDERED = 60  # best-scored entities formatted per pack
_MIN_LINE = 24  # stop once less budget than this is left

# Which attributes make up the one-line summary of each type.
_SUMMARY = {
    "Component": ("material", "part_number"),
    "Requirement": ("statement", "target", "unit"),
    "Constraint": ("statement", "limit", "unit"),
    "Decision": ("statement", "rationale"),
    "Assumption": ("statement", "needs_review"),
    "Material": ("grade", "properties"),
    "Parameter": ("value", "unit", "tolerance"),
    "AnalysisModel": ("method", "solver"),
    "Result": ("value", "unit"),
    "ValidationClaim": ("statement", "criterion"),
    "Interface": ("kind", "description"),
    "Subsystem": ("description",),
}
# Intent-carrying types first when scores tie.
_TYPE_RANK = {
    t: i
    for i, t in enumerate(
        [
            "Requirement",
            "Decision",
            "Constraint",
            "ValidationClaim",
            "Assumption",
            "Component",
            "Subsystem",
            "Material",
            "Parameter",
            "Result",
            "AnalysisModel",
            "Interface",
        ]
    )
}


def _text_of(row: Any, attrs: dict[str, Any]) -> str:
    parts = [row["name"], row["identity_key"].replace(".", " ").replace("_", " ")]
    parts += [str(v) for v in attrs.values() if isinstance(v, str | int | float)]
    return " ".join(parts)


def format_entity(entity_type: str, name: str, attrs: dict[str, Any], links: list[str]) -> str:
    facts = []
    for field in _SUMMARY.get(entity_type, ()):
        value = attrs.get(field)
        if value in (None, "", [], {}):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        facts.append(f"{field}: {value}")
    line = f"[{entity_type}] {name}"
    if facts:
        line += " — " + "; ".join(facts)
    if links:
        line += " (" + "; ".join(links) + ")"
    return line


def _links(conn: Connection, entity_id: str, names: dict[str, str]) -> list[str]:
    rows = conn.execute(
        "SELECT rel_type, source_id, target_id FROM relationships "
        "WHERE (source_id = ? OR target_id = ?) AND status = 'active' "
        "ORDER BY rel_type, source_id, target_id",
        (entity_id, entity_id),
    ).fetchall()
    out = []
    for row in rows:
        if row["source_id"] == entity_id and row["target_id"] in names:
            out.append(f"{row['rel_type']} {names[row['target_id']]}")
        elif row["target_id"] == entity_id and row["source_id"] in names:
            out.append(f"{names[row['source_id']]} {row['rel_type']} it")
    return out[:4]


def entity_blocks(
    conn: Connection, project: str, prompt: str, budget_chars: int
) -> list[ContextBlock]:
    """Active entities of ``project`` relevant to ``prompt``, within ``budget_chars``.

    A block's cost is ``len(block.text)``; the sum never exceeds the budget.
    """
    project = resolve_project_name(project)
    if budget_chars <= 0 or not project:
        return []
    prompt_tokens = tokens(prompt)
    if not prompt_tokens:
        return []
    rows = conn.execute(
        "SELECT id, entity_type, name, identity_key, attributes, confidence FROM entities "
        "WHERE project = ? AND status = 'active'",
        (project,),
    ).fetchall()
    names = {row["id"]: row["name"] for row in rows}
    docs = []
    df: dict[str, int] = {}
    for row in rows:
        attrs = json.loads(row["attributes"] or "{}")
        shared = tokens(_text_of(row, attrs)) & prompt_tokens
        if shared:
            docs.append((row, attrs, shared))
            for token in shared:
                df[token] = df.get(token, 0) + 1
    # Rare shared words count more than words every entity has ("component").
    total = max(len(rows), 1)
    idf = {t: math.log(1 + total / n) for t, n in df.items()}
    scored = []
    for row, attrs, shared in docs:
        name_hits = tokens(row["name"]) & prompt_tokens
        score = sum(idf[t] for t in shared) + 0.5 * sum(idf[t] for t in name_hits)
        score += 0.1 * float(row["confidence"])
        scored.append((score, row, attrs))
    scored.sort(
        key=lambda item: (
            -item[0],
            _TYPE_RANK.get(item[1]["entity_type"], 99),
            item[1]["name"],
            item[1]["id"],
        )
    )
    texts = (
        (
            format_entity(row["entity_type"], row["name"], attrs, _links(conn, row["id"], names)),
            (score, row),
        )
        for score, row, attrs in scored[:_MAX_CONSIDERED]
    )
    return [
        ContextBlock(
            kind="entity",
            label=f"entity {row['entity_type']} ({project})",
            text=text,
            source=row["id"],
            score=round(score, 4),
            meta={
                "entity_type": row["entity_type"],
                "identity_key": row["identity_key"],
                "project": project,
            },
        )
        for text, (score, row) in fit_budget(texts, budget_chars, min_chars=_MIN_LINE)
    ]
