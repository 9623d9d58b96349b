"""Ingestion: parsing, chunking, incremental runs, bad files, purge, CLI."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from factories import write_note

from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.ingest import ChunkOptions, ingest_all, ingest_paths, ingest_project, remove_file
from atocore.ingest.chunker import chunk_document
from atocore.ingest.parse import parse_document

MOUNT = """---
title: Mount design
tags: [mechanical, "materials"]
aliases: mount
---

# Mount design

The reference flat sits on three radial flexures.

## Material

We chose Invar 36 because its expansion matches the Zerodur flat.

```python
# a code fence stays whole

cte = 1.2e-6
```

## Open points

Bond line shrinkage still needs an FEA check.
"""

SLURRY = """# Slurry

Cerium oxide slurry at 8 % by weight, chilled to 20 degrees.
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write_note(root, "p05/mount.md", MOUNT)
    write_note(root, "p06/slurry.md", SLURRY)
    write_note(root, "p06/notes.txt", "Spindle run-out measured at 3.2 um.\n\nBelt drive rejected.")
    write_note(root, ".obsidian/workspace.md", "hidden, never ingested")
    write_note(root, "p05/image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    return root


@pytest.fixture
def two_projects(registered_project, vault: Path):
    """p05 and p06, each a folder of the one vault (a named source)."""
    registered_project(root=vault / "p05", aliases=("p05", "interferometer"), source="vault")
    registered_project(
        project_id="p06-polisher", aliases=("p06",), root=vault / "p06", source="vault"
    )


def chunk_rows(conn, name: str) -> list:
    return conn.execute(
        "SELECT c.* FROM source_chunks c JOIN source_documents d ON d.id = c.document_id "
        "WHERE d.path LIKE ? ORDER BY c.ordinal",
        (f"%{name}",),
    ).fetchall()


def vector_count(conn) -> int:
    from atocore.retrieval.vectors import count_vectors

    return count_vectors(conn)


# --- parsing and chunking --------------------------------------------------------


def test_frontmatter_title_tags_aliases(tmp_path: Path) -> None:
    doc = parse_document(tmp_path / "mount.md", MOUNT)
    assert doc.title == "Mount design"
    assert doc.tags == ["mechanical", "materials"]
    assert doc.aliases == ["mount"]
    assert not doc.body.startswith("---")


def test_title_falls_back_to_h1_then_filename(tmp_path: Path) -> None:
    assert parse_document(tmp_path / "x.md", "# Heading one\n\ntext").title == "Heading one"
    assert parse_document(tmp_path / "plain-name.md", "no heading").title == "plain-name"


def test_invalid_yaml_frontmatter_is_a_warning(tmp_path: Path) -> None:
    doc = parse_document(tmp_path / "x.md", "---\ntitle: [unclosed\n---\n\nBody text here.")
    assert doc.frontmatter == {}
    assert doc.warnings and "invalid YAML" in doc.warnings[0]
    assert "Body text here." in doc.body


def test_chunks_keep_heading_path_and_fences() -> None:
    body = parse_document(Path("m.md"), MOUNT).body
    chunks = chunk_document(body, opts=ChunkOptions(max_chars=400, min_chars=0))
    headings = [c.heading for c in chunks]
    assert headings == ["Mount design", "Mount design > Material", "Mount design > Open points"]
    fence = next(c for c in chunks if "cte" in c.text)
    assert "# a code fence stays whole" in fence.text and "cte = 1.2e-6" in fence.text
    for c in chunks:
        assert body[c.char_start : c.char_end].strip().startswith(c.text[:20])


def test_chunks_never_exceed_max_chars() -> None:
    long_para = " ".join(f"Sentence number {i} talks about flexures." for i in range(200))
    body = f"# Big\n\n{long_para}\n\n## Table\n\n" + "\n".join(
        f"| row {i} | value {i} |" for i in range(100)
    )
    chunks = chunk_document(body, opts=ChunkOptions(max_chars=300))
    assert len(chunks) > 10
    assert all(len(c.text) <= 300 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    assert "Sentence number 199" in joined and "row 99" in joined


def test_small_parent_section_merges_with_subheading_kept() -> None:
    body = "# Note\n\nShort intro.\n\n## Detail\n\nThe detail paragraph."
    chunks = chunk_document(body, opts=ChunkOptions(min_chars=200))
    assert len(chunks) == 1
    assert "## Detail" in chunks[0].text and chunks[0].heading == "Note"


def test_text_files_split_on_blank_lines() -> None:
    chunks = chunk_document("one\ntwo\n\n\nthree", markdown=False, opts=ChunkOptions(max_chars=8))
    assert [c.text for c in chunks] == ["one\ntwo", "three"]


# --- incremental ingest ------------------------------------------------------------


def test_ingest_then_rescan_skips_unchanged(conn, vault, embedder, two_projects) -> None:
    first = ingest_all(conn, embedder=embedder)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert first.vectors.available and first.vectors_added == first.chunks_added > 0
    assert vector_count(conn) == first.chunks_added
    fts = conn.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
    assert fts == first.chunks_added
    # hidden directory never scanned; the binary file is not a candidate suffix
    assert conn.execute("SELECT count(*) FROM source_documents").fetchone()[0] == 3

    second = ingest_all(conn, embedder=embedder)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert second.vectors_added == 0 and second.chunks_added == 0

    # touched but identical content: still unchanged, stat refreshed
    path = vault / "p05" / "mount.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    third = ingest_all(conn, embedder=embedder)
    assert third.unchanged == 3 and third.updated == 0


def test_changed_file_replaces_its_chunks(conn, vault, embedder, two_projects) -> None:
    ingest_all(conn, embedder=embedder)
    old_ids = {r["id"] for r in chunk_rows(conn, "mount.md")}
    path = vault / "p05" / "mount.md"
    path.write_text(MOUNT.replace("Invar 36", "Super Invar"), encoding="utf-8")
    report = ingest_all(conn, embedder=embedder)
    assert report.updated == 1 and report.unchanged == 2
    rows = chunk_rows(conn, "mount.md")
    assert {r["id"] for r in rows}.isdisjoint(old_ids)
    assert any("Super Invar" in r["text"] for r in rows)
    hits = conn.execute(
        'SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH \'"Invar" AND "36"\''
    ).fetchall()
    assert hits == []
    assert vector_count(conn) == conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]


def test_deleted_files_kept_until_purge(conn, vault, embedder, two_projects) -> None:
    ingest_all(conn, embedder=embedder)
    (vault / "p06" / "slurry.md").unlink()
    kept = ingest_all(conn, embedder=embedder)
    assert kept.missing == 1 and kept.removed == 0
    assert chunk_rows(conn, "slurry.md")
    purged = ingest_all(conn, embedder=embedder, purge_deleted=True)
    assert purged.removed == 1 and purged.chunks_removed >= 1
    assert not chunk_rows(conn, "slurry.md")
    assert vector_count(conn) == conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]


def test_missing_root_is_reported_and_never_purged(
    conn, vault, embedder, two_projects, tmp_path
) -> None:
    ingest_all(conn, embedder=embedder)
    (vault / "p06").rename(tmp_path / "moved-away")
    report = ingest_project(conn, "p06", purge_deleted=True, embedder=embedder)
    assert report.missing_roots and report.removed == 0
    assert chunk_rows(conn, "slurry.md")


def test_bad_files_are_skipped_and_counted(conn, tmp_path, embedder) -> None:
    root = tmp_path / "bad"
    write_note(root, "good.md", "# Good\n\nA perfectly fine note about lens cells.")
    write_note(root, "binary.md", b"\x00\x01\x02binary")
    write_note(root, "latin1.md", "caf\xe9 au lait".encode("latin-1"))
    write_note(root, "empty.md", "   \n\n")
    write_note(root, "only-frontmatter.md", title="nothing else")
    write_note(root, "huge.txt", "x" * 5000)
    report = ingest_paths(conn, [root], embedder=embedder, max_bytes=4096)
    reasons = {Path(s.path).name: s.reason for s in report.skipped_files}
    assert reasons == {
        "binary.md": "binary",
        "latin1.md": "invalid_utf8",
        "empty.md": "empty",
        "only-frontmatter.md": "empty",
        "huge.txt": "too_large",
    }
    assert report.added == 1 and report.skipped == 5


def test_sources_are_never_written(conn, vault, embedder, two_projects) -> None:
    def snapshot() -> dict:
        """Every entry under the vault, folders included: kind, mode, mtime, bytes."""
        tree = {}
        for p in [vault, *sorted(vault.rglob("*"))]:
            st = p.lstat()
            tree[str(p)] = (st.st_mode, st.st_mtime_ns, p.read_bytes() if p.is_file() else None)
        return tree

    before = snapshot()
    assert any(p.is_dir() for p in vault.rglob("*"))  # folders are part of what is compared
    ingest_all(conn, embedder=embedder)
    ingest_all(conn, embedder=embedder, purge_deleted=True)
    assert snapshot() == before


def test_projects_from_roots_aliases_and_frontmatter(conn, vault, embedder, two_projects) -> None:
    write_note(vault, "p06/misfiled.md", "\nBelongs to p05.", project="interferometer")
    ingest_paths(conn, [vault], embedder=embedder)  # no --project: detected from roots
    rows = conn.execute("SELECT rel_path, project FROM source_documents").fetchall()
    projects = {r[0].removeprefix("vault/"): r[1] for r in rows}
    assert projects["p05/mount.md"] == "p05-interferometer"
    assert projects["p06/slurry.md"] == "p06-polisher"
    assert projects["p06/misfiled.md"] == "p05-interferometer"
    chunk_projects = {
        r[0] for r in conn.execute("SELECT DISTINCT project FROM source_chunks").fetchall()
    }
    assert chunk_projects == {"p05-interferometer", "p06-polisher"}


def test_explicit_project_alias_is_canonicalized(conn, tmp_path, embedder, p05) -> None:
    write_note(tmp_path / "loose", "a.md", "# A\n\nSome text about fringes.")
    report = ingest_paths(conn, [tmp_path / "loose"], project="p05", embedder=embedder)
    assert report.projects == ["p05-interferometer"]


def test_failed_store_keeps_the_old_version(
    conn, vault, embedder, two_projects, monkeypatch
) -> None:
    ingest_all(conn, embedder=embedder)
    before = [dict(r) for r in chunk_rows(conn, "mount.md")]
    (vault / "p05" / "mount.md").write_text(MOUNT + "\n\nNew paragraph.", encoding="utf-8")
    import atocore.retrieval.vectors as vectors

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(vectors, "upsert_vectors", broken)
    with pytest.raises(RuntimeError):
        ingest_all(conn, embedder=embedder)
    assert [dict(r) for r in chunk_rows(conn, "mount.md")] == before


def test_remove_file(conn, vault, embedder, two_projects) -> None:
    ingest_all(conn, embedder=embedder)
    assert remove_file(conn, vault / "p05" / "mount.md") is True
    assert not chunk_rows(conn, "mount.md")
    assert remove_file(conn, vault / "p05" / "mount.md") is False


def test_bad_input(conn, tmp_path) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        ingest_paths(conn, [tmp_path / "missing"])
    with pytest.raises(NotFound):
        ingest_project(conn, "no-such-project")


def test_model_mismatch_is_refused(conn, vault, embedder, two_projects) -> None:
    from atocore.embed import record_model

    record_model(conn, "some-other-model", 768)
    with pytest.raises(ConflictError, match="reindex"):
        ingest_all(conn, embedder=embedder)
    assert conn.execute("SELECT count(*) FROM source_documents").fetchone()[0] == 0


def test_reindex_reembeds_everything(conn, vault, embedder, two_projects) -> None:
    from atocore.embed import record_model, stored_model
    from atocore.ingest.reindex import reindex

    first = ingest_all(conn, embedder=embedder)
    record_model(conn, "some-other-model", 384)
    report = reindex(conn, embedder=embedder)
    assert report.previous_model == "some-other-model"
    assert report.chunks == first.chunks_added == vector_count(conn)
    assert stored_model(conn) == (embedder.model_id, 384)
    assert ingest_all(conn, embedder=embedder).unchanged == 3


# --- CLI --------------------------------------------------------------------------


def test_cli_ingest_json_and_refresh(cli, vault, embedder, two_projects) -> None:
    report = cli.json("ingest")
    assert report["added"] == 3 and report["vectors"]["available"] is True
    refreshed = cli.json("projects", "refresh", "p06")
    assert refreshed["unchanged"] == 2 and refreshed["projects"] == ["p06-polisher"]
    human = cli("ingest")
    assert human.exit_code == 0 and "3 unchanged" in human.output


def test_cli_bad_input_exit_codes(cli, tmp_path, two_projects) -> None:
    missing = cli("ingest", str(tmp_path / "missing"))
    assert missing.exit_code == 2 and "path not found" in missing.output
    unknown = cli("projects", "refresh", "nope")
    assert unknown.exit_code == 2 and "unknown project" in unknown.output


def test_cli_model_mismatch_exit_code(cli, conn, vault, embedder, two_projects) -> None:
    from atocore.embed import record_model

    record_model(conn, "some-other-model", 768)
    result = cli("ingest")
    assert result.exit_code == 2
    assert "reindex" in result.output
    data = json.loads(cli("ingest", "--json").stdout)
    assert data["error"]["code"] == "conflict"


def test_single_file_paths_and_unsupported_suffix(conn, tmp_path, embedder, projects) -> None:
    projects("p07")
    from atocore.ingest import ingest_file

    note = write_note(tmp_path, "one.md", "# One\n\nA single note about pupil normalisation.")
    other = write_note(tmp_path, "data.csv", "a,b\n1,2\n")
    first = ingest_file(conn, note, "p07", embedder=embedder)
    assert first.added == 1 and first.projects == ["p07"]
    assert ingest_file(conn, note, "p07", embedder=embedder).unchanged == 1
    report = ingest_paths(conn, [other], embedder=embedder)
    assert report.skipped == 1 and report.skipped_files[0].reason == "unsupported"


def test_emptied_file_is_forgotten_broken_file_keeps_last_version(
    conn, vault, embedder, two_projects
) -> None:
    ingest_all(conn, embedder=embedder)
    (vault / "p06" / "slurry.md").write_text("\n", encoding="utf-8")
    (vault / "p05" / "mount.md").write_bytes(b"\xff\xfe broken now")
    report = ingest_all(conn, embedder=embedder)
    assert report.skipped == 2 and report.removed == 1
    assert not chunk_rows(conn, "slurry.md")
    assert chunk_rows(conn, "mount.md")  # last good version kept, with a warning
    assert any("previously ingested version is kept" in w for w in report.warnings)


def test_crlf_and_bom_files_and_progress(conn, tmp_path, embedder) -> None:
    root = tmp_path / "win"
    write_note(
        root, "a.md", "\ufeff---\r\ntitle: Windows note\r\n---\r\n\r\n# A\r\n\r\nLine one.\r\n"
    )
    write_note(root, "b.txt", "plain text file\r\n\r\nsecond paragraph")
    calls = []
    report = ingest_paths(
        conn, [root], embedder=embedder, progress=lambda d, t, p: calls.append((d, t))
    )
    assert report.added == 2
    title = conn.execute("SELECT title FROM source_documents WHERE path LIKE '%a.md'").fetchone()
    assert title[0] == "Windows note"
    # progress counts chunks (embedding is the slow part), ending exact
    assert calls and calls[-1] == (report.chunks_added, report.chunks_added)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert all(done <= total for done, total in calls)


def test_cli_sources_and_stats(cli, vault, embedder, two_projects, tmp_path) -> None:
    cli.json("ingest")
    sources = {s["project"]: s for s in cli.json("sources")}
    assert sources["p05-interferometer"]["exists"] and sources["p05-interferometer"]["documents"]
    assert sources["p06-polisher"]["documents"] == 2
    stats = cli.json("stats")
    assert stats["documents"] == 3 and stats["chunks"] == stats["vectors"] > 0
    assert stats["embed_model"] == embedder.model_id and stats["unembedded_documents"] == 0
    assert {p["project"] for p in stats["projects"]} == {"p05-interferometer", "p06-polisher"}
    (vault / "p06").rename(tmp_path / "gone")
    sources = {s["project"]: s for s in cli.json("sources")}
    assert sources["p06-polisher"]["exists"] is False
    assert cli("sources").exit_code == 0 and cli("stats").exit_code == 0


def test_undecodable_file_name_is_skipped(conn, tmp_path, embedder) -> None:
    root = tmp_path / "names"
    root.mkdir()
    (root / "good.md").write_text("# Good\n\nA fine note.", encoding="utf-8")
    bad = os.fsencode(root) + b"/\xffbad.md"
    with open(bad, "wb") as handle:
        handle.write(b"# Bad name\n\ntext")
    report = ingest_paths(conn, [root], embedder=embedder)
    assert report.added == 1 and report.skipped == 1
    skipped = report.skipped_files[0]
    assert skipped.reason == "bad_name" and skipped.path.endswith("\\xffbad.md")
    json.dumps(report.model_dump(), ensure_ascii=False).encode("utf-8")
    assert remove_file(conn, os.fsdecode(bad)) is False


def test_model_failure_keeps_chunks_drops_stale_vectors(
    conn, vault, embedder, two_projects
) -> None:
    from atocore.embed.embedder import Embedder

    ingest_all(conn, embedder=embedder)
    (vault / "p05" / "mount.md").write_text(MOUNT + "\n\nA new paragraph.", encoding="utf-8")
    spec = dataclasses.replace(embedder.spec, origin="env-path", path=vault / "no-such-model")
    broken = Embedder(spec)  # same model id, files gone: loading fails
    report = ingest_all(conn, embedder=broken)
    assert report.updated == 1 and not report.vectors.available
    assert "not a directory" in report.vectors.reason
    assert any("VECTOR SIDE UNAVAILABLE" in w for w in report.warnings)
    chunks = conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
    assert vector_count(conn) < chunks  # the changed note's old vectors are gone
    # once the model works again, the next run embeds what is missing
    healed = ingest_all(conn, embedder=embedder)
    assert healed.updated == 1 and vector_count(conn) == chunks


def test_vector_table_of_another_dimension_is_refused(conn, vault, embedder, two_projects) -> None:
    from atocore.retrieval.vectors import ensure_vector_table

    ensure_vector_table(conn, 768)  # left by another model, meta lost
    with pytest.raises(ConflictError, match="768"):
        ingest_all(conn, embedder=embedder)


def test_cli_refresh_purge_deleted(cli, vault, embedder, two_projects) -> None:
    cli.json("ingest")
    (vault / "p06" / "notes.txt").unlink()
    kept = cli.json("projects", "refresh", "p06")
    assert kept["missing"] == 1 and kept["removed"] == 0
    human = cli("projects", "refresh", "p06")
    assert "purge-deleted" in human.output
    purged = cli.json("projects", "refresh", "p06-polisher", "--purge-deleted")
    assert purged["removed"] == 1 and purged["missing"] == 0


def test_symlinked_folders_are_followed_once_and_purged(
    conn, vault, embedder, two_projects, tmp_path, data_dir
) -> None:
    shared = tmp_path / "shared-notes"
    write_note(shared, "fixtures.md", "# Fixtures\n\nThe shared fixture plate is Invar 36.")
    (vault / "p05" / "shared").symlink_to(shared)  # a linked folder outside the root
    (vault / "p05" / "loop").symlink_to(vault / "p05")  # a link loop
    (vault / "p05" / "again").symlink_to(shared)  # a second link to the same place
    write_note(data_dir, "mirror/p05/overview.md", "# Generated page, never a source")
    (vault / "p05" / "mirror").symlink_to(data_dir / "mirror")  # into atocore's data dir

    report = ingest_project(conn, "p05", embedder=embedder)
    docs = conn.execute(
        "SELECT path, rel_path FROM source_documents WHERE project = 'p05-interferometer' "
        "ORDER BY rel_path"
    ).fetchall()
    assert [Path(d["path"]).name for d in docs] == ["fixtures.md", "mount.md"]
    assert docs[0]["path"] == str((shared / "fixtures.md").resolve())
    assert report.added == 2 and report.skipped == 0

    (shared / "fixtures.md").unlink()  # vanishes from the linked folder
    kept = ingest_project(conn, "p05", embedder=embedder)
    assert kept.missing == 1
    purged = ingest_project(conn, "p05", embedder=embedder, purge_deleted=True)
    assert purged.removed == 1 and not chunk_rows(conn, "fixtures.md")


def test_removing_a_folder_link_retires_its_notes(
    conn, vault, embedder, two_projects, tmp_path
) -> None:
    shared = tmp_path / "shared-notes"
    write_note(shared, "fixtures.md", "# Fixtures\n\nThe shared fixture plate is Invar 36.")
    link = vault / "p05" / "shared"
    link.symlink_to(shared)
    write_note(tmp_path / "loose", "extra.md", "# Extra\n\nA note ingested by hand, outside roots.")
    ingest_paths(conn, [tmp_path / "loose" / "extra.md"], project="p05")
    assert ingest_project(conn, "p05", embedder=embedder).added == 2

    link.unlink()  # the notes still exist, but no longer under the project's root
    kept = ingest_project(conn, "p05", embedder=embedder)
    assert kept.missing == 1 and chunk_rows(conn, "fixtures.md")
    purged = ingest_project(conn, "p05", embedder=embedder, purge_deleted=True)
    assert purged.removed == 1 and not chunk_rows(conn, "fixtures.md")
    assert chunk_rows(conn, "extra.md")  # a file ingested by hand is not the root's to retire
    assert (shared / "fixtures.md").exists()  # sources are never touched


def test_progress_estimates_chunks_before_every_file_is_read(conn, tmp_path, embedder) -> None:
    """The total is known early (extrapolated), not only once the last file is read."""
    root = tmp_path / "many"
    for i in range(30):
        write_note(
            root,
            f"n{i:02}.md",
            "# Note\n\n" + "\n\n".join(f"## S{j}\n\ntext {j}" for j in range(3)),
        )
    calls = []
    report = ingest_paths(
        conn, [root], embedder=embedder, progress=lambda d, t, p: calls.append((d, t))
    )
    assert calls[-1] == (report.chunks_added, report.chunks_added)
    first_total = calls[0][1]
    assert first_total >= report.chunks_added * 0.8  # a good guess after one file
