"""The Mirror over entities written by the real engineering services (no fixture SQL)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "kb"


def _page(data_dir, name):
    return (data_dir / "mirror" / "p05-interferometer" / f"{name}.md").read_text()


def test_import_review_render_conflict_resolve(conn, p05, data_dir):
    from atocore.engineering.conflicts import list_conflicts, resolve_conflict
    from atocore.engineering.entities import list_entities
    from atocore.engineering.imports import import_file
    from atocore.engineering.review import promote_entity
    from atocore.mirror.pages import list_pages
    from atocore.mirror.renderer import render_project

    import_file(conn, "kb-cad", EXAMPLES / "p05-kb-cad.json", project="p05")
    import_file(conn, "kb-fem", EXAMPLES / "p05-kb-fem.json", project="p05")
    render_project(conn, "p05")
    assert "No curated engineering facts yet" in _page(data_dir, "overview")  # all candidates

    for entity in list_entities(conn, "p05", status="candidate", limit=10_000):
        promote_entity(conn, entity.id, "matches the drawing")
    report = render_project(conn, "p05")
    names = [p.name for p in report.pages]
    assert names[:2] == ["overview", "decisions"] and len(names) > 2
    assert all(p.status == "written" for p in report.pages)
    assert [p.page for p in list_pages("p05")] == names
    overview = _page(data_dir, "overview")
    assert "## Subsystems" in overview and "No subsystems recorded." not in overview
    assert "⚠ disputed" not in overview

    import_file(conn, "kb-cad", EXAMPLES / "p05-kb-cad-changed-material.json", project="p05")
    [conflict] = list_conflicts(conn, "p05", status="open")
    report = render_project(conn, "p05")
    pages = "".join(_page(data_dir, p.name) for p in report.pages if p.status != "removed")
    assert f"⚠ disputed (conflict `{conflict.id}`" in pages
    assert "Super Invar 32-5" in pages  # the incoming value, shown as the competing side

    resolve_conflict(conn, conflict.id, "supersede_others", reason="KB-CAD revision C")
    report = render_project(conn, "p05")
    pages = "".join(_page(data_dir, p.name) for p in report.pages if p.status != "removed")
    assert "⚠ disputed" not in pages
    assert "Super Invar 32-5" in pages  # the winner is now the active value


def test_conflict_with_curated_state_lists_the_state_side_by_kind(conn, p05, data_dir):
    from atocore.context.project_state import set_state
    from atocore.engineering.conflicts import list_conflicts
    from atocore.engineering.create import create_entity
    from atocore.mirror.renderer import render_project

    mount = create_entity(
        conn, "p05", "Component", "Mirror Mount", {"material": "Invar 36"}, status="active"
    )
    set_state(conn, "p05", "fact", "mirror-mount.material", "Zerodur")
    [conflict] = list_conflicts(conn, "p05", status="open")
    render_project(conn, "p05")
    overview = _page(data_dir, "overview")
    [state] = [m for m in conflict.members if m.kind == "project_state"]
    assert "- Mirror Mount [active]: Invar 36" in overview
    assert f"- {state.id[:8]} [project_state]: Zerodur" in overview
    assert mount.id in {m.id for m in conflict.members}
