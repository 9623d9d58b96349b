"""Legacy alias migration: plan, apply, refusals, idempotency, report, CLI."""

from __future__ import annotations

import json
import uuid

import pytest

from atocore.context.project_state import get_state
from atocore.errors import ConflictError
from atocore.ops.alias_migration import MigrationRefused, apply_plan, build_plan, migrate_aliases
from atocore.projects.registry import load_registry

P05 = {"id": "p05-interferometer", "aliases": ["p05", "interferometer"]}
P04 = {"id": "p04-gigabit", "aliases": ["p04", "gigabit"]}
P06 = {"id": "p06-polisher", "aliases": ["p06", "polisher"]}


@pytest.fixture
def reg(registry):
    def write(*projects):
        return registry([{**p, "description": "", "ingest_roots": []} for p in projects])

    return write


# --- seeding rows the way the pre-canonicalization code wrote them --------------


def shadow(conn, name: str) -> str:
    project_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO projects (id, name, description) VALUES (?, ?, ?)",
        (project_id, name, f"legacy row for {name}"),
    )
    return project_id


def state_row(conn, project_id, category, key, value, status="active") -> str:
    row_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO project_state (id, project_id, category, key, value, source, status) "
        "VALUES (?, ?, ?, ?, ?, 'legacy', ?)",
        (row_id, project_id, category, key, value, status),
    )
    return row_id


def memory_row(conn, memory_type, content, project, status="active") -> str:
    row_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project, status, confidence) "
        "VALUES (?, ?, ?, ?, ?, 1.0)",
        (row_id, memory_type, content, project, status),
    )
    return row_id


def interaction_row(conn, prompt, project) -> str:
    row_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO interactions (id, prompt, response, client, session_id, project, "
        "created_at) VALUES (?, ?, '', 'legacy', '', ?, '2026-04-01 12:00:00')",
        (row_id, prompt, project),
    )
    return row_id


def plan_for(conn):
    return build_plan(conn, load_registry())


def values(conn, project, *, history=False):
    return {(e.key, e.value, e.status) for e in get_state(conn, project, include_history=history)}


# --- planning -----------------------------------------------------------------------


def test_empty_registry_gives_empty_plan(conn, registry):
    registry([])
    shadow(conn, "p05")
    plan = plan_for(conn)
    assert plan.alias_map == {}
    assert plan.is_empty and not plan.has_collisions
    assert set(plan.counts().values()) == {0}


def test_clean_registered_db_gives_empty_plan(conn, reg):
    reg(P05)
    pid = shadow(conn, "p05-interferometer")
    state_row(conn, pid, "status", "phase", "A")
    memory_row(conn, "project", "canonical memory", "p05-interferometer")
    plan = plan_for(conn)
    assert plan.alias_map["p05"] == "p05-interferometer"
    assert plan.is_empty


def test_detects_shadow_projects_case_insensitively(conn, reg):
    reg(P05)
    shadow(conn, "p05")
    shadow(conn, "Interferometer")
    shadow(conn, "unrelated-project")
    plan = plan_for(conn)
    names = sorted(s.shadow_name for s in plan.shadow_projects)
    assert names == ["Interferometer", "p05"]
    assert {s.canonical_project_id for s in plan.shadow_projects} == {"p05-interferometer"}


def test_plans_state_rekey_without_collisions(conn, reg):
    reg(P05)
    sid = shadow(conn, "p05")
    state_row(conn, sid, "status", "next_focus", "Wave 1 ingestion")
    state_row(conn, sid, "decision", "lateral_support", "GF-PTFE")
    plan = plan_for(conn)
    assert len(plan.state_plans) == 1
    assert len(plan.state_plans[0].rows_to_rekey) == 2
    assert plan.state_plans[0].canonical_row_id is None  # canonical row will be created
    assert not plan.has_collisions


def test_plans_interaction_rekey(conn, reg):
    reg(P06)
    interaction_row(conn, "under alias", "polisher")
    interaction_row(conn, "under other alias", "p06")
    interaction_row(conn, "canonical already", "p06-polisher")
    plan = plan_for(conn)
    assert sum(len(p.rows_to_rekey) for p in plan.interaction_plans) == 2


# --- apply ------------------------------------------------------------------------


def test_rekeys_clean_shadow_end_to_end_and_closes_the_gap(conn, reg):
    reg(P05)
    sid = shadow(conn, "p05")
    state_row(conn, sid, "status", "legacy_focus", "Wave 1 ingestion")
    state_row(conn, sid, "decision", "lateral_support", "GF-PTFE")
    # The gap: canonicalized reads cannot see alias-keyed rows.
    assert get_state(conn, "p05") == []
    assert get_state(conn, "p05-interferometer") == []

    summary = apply_plan(conn, plan_for(conn))

    assert summary["state_rows_rekeyed"] == 2
    assert summary["shadow_projects_deleted"] == 1
    assert summary["canonical_rows_created"] == 1
    expected = {"Wave 1 ingestion", "GF-PTFE"}
    assert {e.value for e in get_state(conn, "p05-interferometer")} == expected
    assert {e.value for e in get_state(conn, "p05")} == expected
    assert {e.value for e in get_state(conn, "interferometer")} == expected
    names = [r[0] for r in conn.execute("SELECT name FROM projects")]
    assert names == ["p05-interferometer"]


def test_collision_between_active_values_is_listed_and_refused(conn, reg):
    reg(P05)
    sid, cid = shadow(conn, "p05"), shadow(conn, "p05-interferometer")
    state_row(conn, sid, "status", "next_focus", "Wave 1")
    state_row(conn, cid, "status", "next_focus", "Wave 2")
    plan = plan_for(conn)
    assert plan.has_collisions
    collision = plan.state_plans[0].collisions[0]
    assert (collision["shadow"]["value"], collision["canonical"]["value"]) == ("Wave 1", "Wave 2")
    before = conn.execute("SELECT project_id, value FROM project_state ORDER BY value").fetchall()
    with pytest.raises(MigrationRefused) as info:
        apply_plan(conn, plan)
    assert isinstance(info.value, ConflictError)
    assert "next_focus" in info.value.message
    after = conn.execute("SELECT project_id, value FROM project_state ORDER BY value").fetchall()
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 2


def test_collision_between_two_shadows_is_refused(conn, reg):
    reg(P05)
    state_row(conn, shadow(conn, "p05"), "status", "phase", "A")
    state_row(conn, shadow(conn, "interferometer"), "status", "phase", "B")
    plan = plan_for(conn)
    assert plan.has_collisions
    assert plan.state_plans[0].collisions[0]["canonical_is_shadow"] is True


def test_duplicate_active_values_merge(conn, reg):
    reg(P05)
    sid, cid = shadow(conn, "p05"), shadow(conn, "p05-interferometer")
    state_row(conn, sid, "status", "next_focus", "Wave 1 ingestion")
    kept = state_row(conn, cid, "status", "next_focus", "Wave 1 ingestion")
    plan = plan_for(conn)
    assert not plan.has_collisions
    summary = apply_plan(conn, plan)
    assert summary["state_rows_merged_as_duplicate"] == 1
    active = get_state(conn, "p05-interferometer")
    assert [(e.id, e.value) for e in active] == [(kept, "Wave 1 ingestion")]
    assert conn.execute("SELECT count(*) FROM project_state").fetchone()[0] == 1


def test_superseded_shadow_rows_are_preserved_as_history(conn, reg):
    reg(P05)
    sid, cid = shadow(conn, "p05"), shadow(conn, "p05-interferometer")
    state_row(conn, sid, "status", "historical_phase", "Phase 0 legacy", status="superseded")
    # A different old value on a key the canonical holds actively is history too.
    state_row(conn, sid, "status", "next_focus", "Old wave 1", status="superseded")
    state_row(conn, cid, "status", "next_focus", "Wave 2", status="active")
    plan = plan_for(conn)
    assert not plan.has_collisions
    summary = apply_plan(conn, plan)
    assert summary["state_rows_rekeyed"] == 2
    assert summary["state_rows_historical_dropped"] == 0
    assert values(conn, "p05-interferometer", history=True) == {
        ("historical_phase", "Phase 0 legacy", "superseded"),
        ("next_focus", "Old wave 1", "superseded"),
        ("next_focus", "Wave 2", "active"),
    }


def test_historical_drop_when_canonical_holds_the_same_triple(conn, reg):
    reg(P05)
    sid, cid = shadow(conn, "p05"), shadow(conn, "p05-interferometer")
    dropped = state_row(conn, sid, "status", "next_focus", "Old wave 1", status="superseded")
    state_row(conn, cid, "status", "next_focus", "Old wave 1", status="superseded")
    state_row(conn, cid, "status", "next_focus", "Wave 2", status="active")
    plan = plan_for(conn)
    assert not plan.has_collisions
    assert plan.counts()["state_historical_drops"] == 1
    assert plan.state_plans[0].historical_drops[0]["id"] == dropped
    summary = apply_plan(conn, plan)
    assert summary["state_rows_historical_dropped"] == 1
    assert values(conn, "p05-interferometer") == {("next_focus", "Wave 2", "active")}
    assert (
        conn.execute("SELECT count(*) FROM project_state WHERE id = ?", (dropped,)).fetchone()[0]
        == 0
    )


def test_active_shadow_replaces_inactive_canonical(conn, reg):
    reg(P06)
    sid, cid = shadow(conn, "p06"), shadow(conn, "p06-polisher")
    state_row(conn, cid, "decision", "frame", "Old frame", status="superseded")
    state_row(conn, sid, "decision", "frame", "kinematic mount frame", status="active")
    plan = plan_for(conn)
    assert not plan.has_collisions
    assert plan.counts()["state_historical_drops"] == 0
    summary = apply_plan(conn, plan)
    assert summary["state_rows_replaced_inactive_canonical"] == 1
    assert values(conn, "p06") == {("frame", "kinematic mount frame", "active")}
    # Our state keeps history: the old canonical value stays, superseded.
    assert ("frame", "Old frame", "superseded") in values(conn, "p06", history=True)
    active = conn.execute(
        "SELECT count(*) FROM project_state WHERE key = 'frame' AND status = 'active'"
    ).fetchone()[0]
    assert active == 1


def test_memories_rekeyed_and_duplicates_superseded(conn, reg):
    from atocore.memory.service import list_memories

    reg(P04)
    clean = memory_row(conn, "project", "lateral support uses GF-PTFE", "p04")
    pref = memory_row(conn, "preference", "I prefer descriptive commits", "Gigabit")
    dup = memory_row(conn, "project", "duplicate content", "p04")
    kept = memory_row(conn, "project", "Duplicate content.", "p04-gigabit")
    old = memory_row(conn, "project", "duplicate content", "gigabit", status="invalid")
    plan = plan_for(conn)
    assert sum(len(p.rows_to_rekey) + len(p.to_supersede) for p in plan.memory_plans) == 4
    summary = apply_plan(conn, plan)
    assert summary["memory_rows_rekeyed"] == 3
    assert summary["memory_rows_superseded"] == 1

    rows = {m.id: m for m in list_memories(conn, project="p04")}
    assert set(rows) == {clean, pref, dup, kept, old}
    assert rows[dup].status == "superseded" and rows[dup].superseded_by == kept
    assert rows[old].status == "invalid"  # history is moved, never revived
    assert {m.id for m in list_memories(conn, project="p04-gigabit", status="active")} == {
        clean,
        pref,
        kept,
    }
    log = conn.execute(
        "SELECT action, to_status FROM review_log WHERE target_kind = 'memory' AND target_id = ?",
        (dup,),
    ).fetchall()
    assert [tuple(r) for r in log] == [("supersede", "superseded")]


def test_interactions_rekeyed(conn, reg):
    from atocore.interactions.service import list_interactions

    reg(P06)
    interaction_row(conn, "alias-keyed 1", "polisher")
    interaction_row(conn, "alias-keyed 2", "p06")
    summary = apply_plan(conn, plan_for(conn))
    assert summary["interaction_rows_rekeyed"] == 2
    prompts = {i.prompt for i in list_interactions(conn, project="p06-polisher", limit=50)}
    assert prompts == {"alias-keyed 1", "alias-keyed 2"}


def test_second_run_is_a_no_op(conn, reg):
    reg(P05)
    state_row(conn, shadow(conn, "p05"), "status", "next_focus", "Wave 1")
    memory_row(conn, "project", "m1", "p05")
    interaction_row(conn, "i1", "p05")
    first = apply_plan(conn, plan_for(conn))
    snapshot = [tuple(r) for r in conn.execute("SELECT * FROM project_state ORDER BY id")]
    second_plan = plan_for(conn)
    assert second_plan.is_empty
    second = apply_plan(conn, second_plan)
    assert (first["state_rows_rekeyed"], first["memory_rows_rekeyed"]) == (1, 1)
    assert first["interaction_rows_rekeyed"] == 1
    assert set(second.values()) == {0}
    assert [tuple(r) for r in conn.execute("SELECT * FROM project_state ORDER BY id")] == snapshot


def test_refuses_on_case_variant_canonical_rows(conn, reg):
    reg(P05)
    shadow(conn, "p05-interferometer")
    shadow(conn, "P05-Interferometer")
    state_row(conn, shadow(conn, "p05"), "status", "phase", "A")
    plan = plan_for(conn)
    assert plan.integrity_errors
    assert not plan.is_empty
    with pytest.raises(MigrationRefused):
        apply_plan(conn, plan)
    assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 3


# --- the service entry point, report and CLI ------------------------------------------------


def test_dry_run_writes_report_and_changes_nothing(conn, reg, tmp_path):
    reg(P05)
    state_row(conn, shadow(conn, "p05"), "status", "next_focus", "Wave 1")
    report = tmp_path / "reports" / "plan.json"
    result = migrate_aliases(conn, report_path=report)
    payload = json.loads(report.read_text())
    assert payload["mode"] == "dry-run" and payload["summary"] is None
    assert payload["plan"]["counts"]["state_rekey_rows"] == 1
    assert "p05-interferometer" in json.dumps(payload)
    assert result["report_path"] == str(report)
    assert conn.execute("SELECT name FROM projects").fetchone()[0] == "p05"


def test_apply_takes_safety_snapshot(conn, reg, data_dir):
    from atocore.ops.backup import list_backups

    reg(P05)
    state_row(conn, shadow(conn, "p05"), "status", "next_focus", "Wave 1")
    result = migrate_aliases(conn, apply=True)
    assert result["summary"]["state_rows_rekeyed"] == 1
    snapshots = list_backups()["snapshots"]
    assert [s["stamp"] for s in snapshots] == [result["backup_stamp"]]
    assert snapshots[0]["kind"] == "pre-migration"
    assert json.loads((data_dir / "logs").glob("migrate-aliases-*.json").__next__().read_text())


def test_cli_dry_run_apply_and_refusal(cli, conn, reg, tmp_path):
    reg(P05)
    sid = shadow(conn, "p05")
    state_row(conn, sid, "status", "phase", "A")
    cid = shadow(conn, "p05-interferometer")
    state_row(conn, cid, "status", "phase", "B")

    dry = cli("migrate", "aliases")
    assert dry.exit_code == 0, dry.output
    assert "COLLISION" in dry.output and "REFUSE" in dry.output

    report = tmp_path / "refused.json"
    refused = cli("migrate", "aliases", "--apply", "--report", report)
    assert refused.exit_code == 2
    assert "collide" in refused.output
    assert json.loads(report.read_text())["refused"]

    conn.execute("UPDATE project_state SET value = 'B' WHERE project_id = ?", (sid,))
    applied = cli.json("migrate", "aliases", "--apply", "--no-backup")
    assert applied["summary"]["state_rows_merged_as_duplicate"] == 1
    assert applied["backup_stamp"] is None
    again = cli.json("migrate", "aliases")
    assert again["plan"]["is_empty"] is True


def test_cli_json_refusal_is_an_error_object(cli, conn, reg):
    reg(P05)
    shadow(conn, "p05-interferometer")
    shadow(conn, "P05-INTERFEROMETER")
    result = cli("migrate", "aliases", "--apply", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "conflict" and error["integrity_errors"]


def test_other_tables_with_alias_rows_are_reported_not_moved(conn, reg, cli):
    reg(P05)
    conn.execute(
        "CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, project TEXT NOT NULL DEFAULT '')"
    )
    conn.execute("INSERT INTO legacy_notes (project) VALUES ('p05'), ('p05-interferometer')")
    plan = plan_for(conn)
    assert plan.other_alias_rows == {"legacy_notes": 1}
    assert plan.is_empty  # nothing the migration itself would change
    apply_plan(conn, plan)
    assert conn.execute("SELECT count(*) FROM legacy_notes WHERE project = 'p05'").fetchone()[0]
    out = cli("migrate", "aliases")
    assert "1 legacy_notes rows use an alias" in out.output


def test_cli_on_empty_registry_says_nothing_to_plan(cli, conn):
    out = cli("migrate", "aliases")
    assert out.exit_code == 0 and "nothing to plan" in out.output


def test_unwritable_report_path_is_bad_input(cli, conn, reg, tmp_path):
    reg(P05)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    state_row(conn, shadow(conn, "p05"), "status", "phase", "A")
    out = cli("migrate", "aliases", "--apply", "--report", blocker / "sub" / "plan.json")
    assert out.exit_code == 2 and "cannot write report" in out.output
    assert conn.execute("SELECT name FROM projects").fetchone()[0] == "p05"  # untouched
