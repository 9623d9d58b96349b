"""Vault-aware retrieval: inline tags, wikilinks, the link table, backlinks, and
alias / tag / title / link retrieval on our Obsidian-style test vault (real model)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from factories import write_note

from atocore.errors import InvalidInput, NotFound
from atocore.ingest import ingest_paths, remove_file
from atocore.ingest.parse import parse_document
from atocore.ingest.vault import WikiLink, inline_tags, prose, wikilinks
from atocore.retrieval.names import name_key
from atocore.retrieval.notes import note_links
from atocore.retrieval.search import RetrievalParams, search

VAULT = Path(__file__).parent / "fixtures" / "obsidian-vault"
BASELINE = RetrievalParams(note_weight=0.0, name_weight=0.0)

# --- parsing ------------------------------------------------------------------------------

BODY = """# Heading #intitle

Prose with #rover/drive and #todo, an issue #2026, a url http://x.org/#frag.
Links: [[Hub Motor Spec]], [[Motor Controller|the ESC]], [[CAN Bus#Termination]],
[[Projects/Trundle/Wheels]], ![[Battery Pack]], ![[photo.png]], [[#Local heading]].
Inline `[[Not A Link]] #notatag` code.

```
[[Fenced Link]] #fenced
```

    [[Indented Link]] #indented
"""


def test_inline_tags_skip_code_numbers_and_urls() -> None:
    assert inline_tags(prose(BODY)) == ["intitle", "rover/drive", "todo"]


def test_wikilinks_forms_and_code_is_not_linked() -> None:
    assert wikilinks(prose(BODY)) == [
        WikiLink("Hub Motor Spec"),
        WikiLink("Motor Controller", alias="the ESC"),
        WikiLink("CAN Bus", heading="Termination"),
        WikiLink("Projects/Trundle/Wheels"),
        WikiLink("Battery Pack", embed=True),
    ]
    assert WikiLink("Projects/Trundle/Wheels").key == "wheels"


def test_name_key_compares_words() -> None:
    assert name_key("2026-11-03.md") == "2026 11 03" == name_key("2026 11 03")
    assert name_key("  Hub  Motor Spec ") == "hub motor spec"


def test_document_tags_are_frontmatter_then_inline() -> None:
    doc = parse_document(Path("n.md"), "---\ntags: [a, todo]\naliases: [x]\n---\n" + BODY)
    assert doc.tags == ["a", "todo", "intitle", "rover/drive"]
    assert [link.target for link in doc.links][:2] == ["Hub Motor Spec", "Motor Controller"]


# --- the link table -----------------------------------------------------------------------


def _targets(conn, source_title: str) -> list[tuple[str, str | None]]:
    return [
        (row[0], row[1])
        for row in conn.execute(
            "SELECT l.target, t.title FROM note_links l "
            "JOIN source_documents s ON s.id = l.source_id "
            "LEFT JOIN source_documents t ON t.id = l.target_id "
            "WHERE s.title = ? ORDER BY l.ordinal",
            (source_title,),
        )
    ]


def test_links_resolve_by_file_name_title_and_alias(conn, tmp_path, embedder) -> None:
    root = tmp_path / "v"
    write_note(root, "a/hub.md", "Hub.\n", title="Hub Motor Spec", aliases=["drive motor"])
    write_note(root, "b/Wheels.md", "# Tyres\n\nPneumatic.\n")
    write_note(
        root, "Dash.md", "# Dash\n\n[[hub motor spec]] [[Drive Motor]] [[wheels]] [[Tyres]]\n"
    )
    ingest_paths(conn, [root], embedder=embedder)
    assert _targets(conn, "Dash") == [
        ("hub motor spec", "Hub Motor Spec"),
        ("Drive Motor", "Hub Motor Spec"),
        ("wheels", "Tyres"),
        ("Tyres", "Tyres"),
    ]


def test_unresolved_link_is_kept_and_resolves_when_the_note_arrives(
    conn, tmp_path, embedder
) -> None:
    root = tmp_path / "v"
    write_note(root, "Dash.md", "# Dash\n\nSee [[CAN Bus#Termination|the bus]].\n")
    ingest_paths(conn, [root], embedder=embedder)
    assert _targets(conn, "Dash") == [("CAN Bus", None)]
    bus = write_note(root, "ref/CAN Bus.md", "# CAN Bus\n\n120 ohm at both ends.\n")
    ingest_paths(conn, [root], embedder=embedder)
    assert _targets(conn, "Dash") == [("CAN Bus", "CAN Bus")]
    links = note_links(conn, "CAN Bus")
    assert [b.note.title for b in links.backlinks] == ["Dash"]
    assert (links.backlinks[0].heading, links.backlinks[0].alias) == ("Termination", "the bus")
    # the target goes away: the link stays, unresolved again
    assert remove_file(conn, bus)
    assert _targets(conn, "Dash") == [("CAN Bus", None)]


def test_alias_change_re_resolves_links(conn, tmp_path, embedder) -> None:
    root = tmp_path / "v"
    hub = write_note(root, "hub.md", "# Hub\n\nHub.\n", aliases=["drive motor"])
    write_note(root, "Dash.md", "# Dash\n\n[[drive motor]]\n")
    ingest_paths(conn, [root], embedder=embedder)
    assert _targets(conn, "Dash") == [("drive motor", "Hub")]
    hub.write_text("---\naliases: [wheel motor]\n---\n# Hub\n\nHub, renamed alias.\n")
    ingest_paths(conn, [root], embedder=embedder)
    assert _targets(conn, "Dash") == [("drive motor", None)]


def test_note_links_service_and_bad_input(conn, tmp_path, embedder) -> None:
    root = tmp_path / "v"
    write_note(root, "Hub.md", "# Hub\n\nDriven by [[ESC]], see [[Nowhere]].\n")
    write_note(root, "Esc.md", "# Motor Controller\n\nFOC.\n", aliases=["ESC"])
    ingest_paths(conn, [root], embedder=embedder)
    hub = note_links(conn, "Hub")
    assert [(link.target, link.note.title if link.note else None) for link in hub.links] == [
        ("ESC", "Motor Controller"),
        ("Nowhere", None),
    ]
    assert hub.backlinks == []
    by_path = note_links(conn, "v/Esc.md")  # as displayed
    assert by_path.note.title == "Motor Controller"
    assert note_links(conn, str(root / "Esc.md")).note == by_path.note
    assert [b.note.title for b in by_path.backlinks] == ["Hub"]
    with pytest.raises(NotFound):
        note_links(conn, "no such note")
    with pytest.raises(InvalidInput):
        note_links(conn, "  ")


def test_notes_ingested_before_the_migration_are_upgraded_without_re_embedding(
    conn, tmp_path, embedder
) -> None:
    root = tmp_path / "v"
    write_note(root, "Hub.md", "# Hub\n\nDriven by [[Esc]]. #motor\n")
    write_note(root, "Esc.md", "# Esc\n\nFOC.\n")
    ingest_paths(conn, [root], embedder=embedder)
    # what a database ingested by the previous version looks like
    conn.execute("DELETE FROM note_links")
    conn.execute("DELETE FROM note_names")
    conn.execute("UPDATE source_documents SET vault_version = 0, tags = '[]'")
    conn.commit()
    report = ingest_paths(conn, [root], embedder=embedder)
    assert report.unchanged == 2 and report.vectors_added == 0
    assert _targets(conn, "Hub") == [("Esc", "Esc")]
    tags = conn.execute("SELECT tags FROM source_documents WHERE title = 'Hub'").fetchone()[0]
    assert json.loads(tags) == ["motor"]
    hits = search(conn, "motor", mode="bm25", params=RetrievalParams(name_weight=0.0)).hits
    assert hits and hits[0].title == "Hub" and "note" in hits[0].retrievers


def test_migration_indexes_existing_titles_aliases_and_tags(tmp_path) -> None:
    from atocore.db.connection import connect
    from atocore.db.migrations import m002_ingest, m008_vault

    conn = connect(tmp_path / "old.db")
    try:
        m002_ingest.apply(conn)
        conn.execute(
            "INSERT INTO source_documents (path, title, aliases, tags) "
            "VALUES ('/v/hub.md', 'Hub Motor Spec', '[\"drive motor\"]', '[\"datasheet\"]')"
        )
        m008_vault.apply(conn)
        m008_vault.apply(conn)  # idempotent
        found = conn.execute(
            "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'drive AND motor AND datasheet'"
        ).fetchall()
        assert [row[0] for row in found] == [1]
    finally:
        conn.close()


# --- retrieval on the test vault (real model) -----------------------------------------------


@pytest.fixture(scope="module")
def vault_db(tmp_path_factory, embedder):
    """The test vault ingested once for this module."""
    from atocore.db import open_db

    data = tmp_path_factory.mktemp("vault-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATOCORE_DATA_DIR", str(data))
        conn = open_db()
        ingest_paths(conn, [VAULT], embedder=embedder)
    yield conn
    conn.close()


def _top_notes(conn, query: str, embedder, params=None, k: int = 1) -> list[str]:
    hits = search(conn, query, top_k=20, params=params, embedder=embedder).hits
    notes: list[str] = []
    for hit in hits:
        if hit.title not in notes:
            notes.append(hit.title)
    return notes[:k]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("drive motor", "Hub Motor Spec"),  # alias, also written in another note's text
        ("kill switch", "E-Stop"),  # alias only
        ("battery management system", "BMS"),  # alias only
        ("notes tagged datasheet", "Hub Motor Spec"),  # frontmatter tag
        ("notes tagged maintenance", "2026-11-07"),  # inline tag
        ("What happened on 2026-11-03?", "2026-11-03"),  # daily note title
    ],
)
def test_vault_retrieval_ranks_the_named_note_first(vault_db, embedder, query, title) -> None:
    assert _top_notes(vault_db, query, embedder) == [title]


def test_baseline_misses_what_the_vault_fields_find(vault_db, embedder) -> None:
    """The same queries without the note-fields retriever (main's ranking) miss."""
    assert _top_notes(vault_db, "kill switch", embedder, BASELINE) != ["E-Stop"]
    assert _top_notes(vault_db, "notes tagged datasheet", embedder, BASELINE) != ["Hub Motor Spec"]
    assert _top_notes(vault_db, "battery management system", embedder, BASELINE) != ["BMS"]


def test_hits_carry_backlinks(vault_db, embedder) -> None:
    hit = search(vault_db, "CAN bus termination", top_k=5, embedder=embedder).hits[0]
    assert hit.title == "CAN Bus"
    assert {b.title for b in hit.backlinks} == {"Motor Controller"}
    assert all(b.source.endswith(".md") for b in hit.backlinks)
    dumped = hit.model_dump()
    assert dumped["backlinks"][0]["title"] == "Motor Controller"


def test_note_links_on_the_vault(vault_db) -> None:
    links = note_links(vault_db, "drive motor")  # an alias names the note
    assert links.note.title == "Hub Motor Spec"
    assert [link.note.title for link in links.links if link.note] == ["Motor Controller"]
    assert {b.note.title for b in links.backlinks} == {"Drivetrain", "Torque Calculation"}


def test_follow_links_moves_the_linked_note_up_to_its_linker(vault_db, embedder) -> None:
    from atocore.context.links import with_linked_notes

    hits = search(
        vault_db, "What bitrate does the motor controller's bus run at?", embedder=embedder
    ).hits
    titles = [h.title for h in hits]
    assert titles[0] == "Motor Controller"
    assert titles.index("Firmware") > 3  # found by the search, further down
    moved = [h.title for h in with_linked_notes(vault_db, hits)]
    # right after it, the notes it links to ([[Firmware]], [[CAN Bus]]) in link order
    assert moved[:3] == ["Motor Controller", "Firmware", "CAN Bus"]
    assert sorted(h.chunk_id for h in with_linked_notes(vault_db, hits)) == sorted(
        h.chunk_id for h in hits
    )


def test_cli_query_json_carries_backlinks(cli, tmp_path, embedder) -> None:
    root = tmp_path / "v"
    shutil.copytree(VAULT / "Reference", root / "Reference")
    write_note(root, "Controller.md", "# Controller\n\nTalks over [[CAN Bus]].\n")
    assert cli("ingest", str(root)).exit_code == 0
    data = cli.json("query", "CAN bus termination", "--mode", "bm25")
    top = data["hits"][0]
    assert top["title"] == "CAN Bus"
    assert [b["title"] for b in top["backlinks"]] == ["Controller"]
