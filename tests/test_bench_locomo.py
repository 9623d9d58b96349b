"""The LoCoMo context-quality harness on a tiny conversation in LoCoMo's format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atocore.bench import locomo
from atocore.errors import InvalidInput

TINY = [
    {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Ada",
            "speaker_b": "Bo",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ada", "dia_id": "D1:1", "text": "I adopted a grey cat  named Pixel."},
                {"speaker": "Bo", "dia_id": "D1:2", "text": "Lovely! I started pottery classes."},
            ],
            "session_2_date_time": "3:10 pm on 20 May, 2023",
            "session_2": [
                {
                    "speaker": "Ada",
                    "dia_id": "D2:1",
                    "text": "Pixel knocked my vase over.",
                    "blip_caption": "a photo of a broken vase",
                },
                {"speaker": "Bo", "dia_id": "D2:2", "text": "My pottery bowl cracked in the kiln."},
            ],
        },
        "qa": [
            {"question": "What is the name of Ada's cat?", "evidence": ["D1:1"], "category": 4},
            {"question": "What did Bo start?", "evidence": ["D1:2", "D2:2:"], "category": 1},
            {"question": "When did the vase break?", "evidence": ["D2:1"], "category": 2},
            {"question": "Adversarial question?", "evidence": ["D1:1"], "category": 5},
            {"question": "No known evidence?", "evidence": ["D9:9"], "category": 3},
        ],
    }
]


@pytest.fixture
def dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATOCORE_BENCH_RESULTS", str(tmp_path / "results"))
    path = tmp_path / "tiny-locomo.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    return path


def test_session_note_has_date_speakers_and_turns(tmp_path: Path) -> None:
    turns = locomo.write_vault(TINY[0], tmp_path / "vault")
    note = (tmp_path / "vault" / "session-02.md").read_text(encoding="utf-8")
    assert note.startswith("# Session 2 — 3:10 pm on 20 May, 2023\n")
    assert "Conversation between Ada and Bo." in note
    assert (
        "\n\nAda: Pixel knocked my vase over. [shares a photo: a photo of a broken vase]\n" in note
    )
    assert turns["D1:1"] == "I adopted a grey cat named Pixel."  # whitespace normalised
    assert sorted(p.name for p in (tmp_path / "vault").iterdir()) == [
        "session-01.md",
        "session-02.md",
    ]


def test_questions_skip_category_5_and_unknown_evidence(tmp_path: Path) -> None:
    turns = locomo.write_vault(TINY[0], tmp_path / "vault")
    questions, dropped = locomo.questions_for(TINY[0], "p", turns)
    assert [q.category for q in questions] == [4, 1, 2]
    assert dropped == 1  # the category-3 question names no turn that exists
    assert questions[1].evidence == [turns["D1:2"], turns["D2:2"]]  # "D2:2:" still parsed


def test_each_evidence_turn_carries_its_session_date(tmp_path: Path) -> None:
    turns = locomo.write_vault(TINY[0], tmp_path / "vault")
    questions, _ = locomo.questions_for(TINY[0], "p", turns)
    assert questions[1].dates == ["1:56 pm on 8 May, 2023", "3:10 pm on 20 May, 2023"]


def test_dated_recall_needs_the_turn_and_its_date() -> None:
    q = locomo.Question("c", "p", "?", 2, ["one two", "three"], ["8 May, 2023", "9 May, 2023"])
    assert locomo.dated_recall(q, "[Session 1 — 8 May,  2023]\none two three") == 0.5
    assert locomo.dated_recall(q, "one two three") == 0.0
    assert locomo.recall(q, "one two three") == 1.0


def test_recall_is_the_share_of_evidence_turns_in_the_pack() -> None:
    q = locomo.Question("c", "p", "?", 1, ["one two", "three four"])
    assert locomo.recall(q, "x one\n  two y") == 0.5
    assert locomo.recall(q, "one two three four") == 1.0
    assert locomo.recall(q, "one three") == 0.0


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_run_ingests_projects_and_scores_every_config(dataset: Path, tmp_path: Path) -> None:
    report = locomo.run(dataset, budgets=[4000, 150], work_dir=tmp_path / "work", show=False)
    rows = {(r["config"], r["budget"]): r for r in report.rows}
    assert set(rows) == {(c, b) for c in locomo.CONFIGS for b in (4000, 150)}
    for config in locomo.CONFIGS:
        big = rows[(config, 4000)]
        assert big["recall"] == 1.0 and big["questions"] == 3  # everything fits
        # the pack's labels carry the session dates; the raw cut of chunk texts has none
        assert big["dated"] == (0.0 if config == "raw" else 1.0)
        assert big["dated temporal"] == big["dated"]
        assert big["avg chars"] <= 4000
        assert rows[(config, 150)]["recall"] < 1.0 and rows[(config, 150)]["avg chars"] <= 150
    assert report.extra["data"]["turns"] == 4
    written = list((tmp_path / "results").glob("locomo-*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["rows"]
    # the notes went through the normal ingest path into a project of their own
    from atocore.db import open_db

    conn = open_db()
    docs = conn.execute("SELECT project, rel_path FROM source_documents ORDER BY rel_path")
    assert [tuple(r) for r in docs] == [
        ("locomo-conv-x", "locomo-conv-x/session-01.md"),
        ("locomo-conv-x", "locomo-conv-x/session-02.md"),
    ]
    conn.close()


def test_bad_input(tmp_path: Path, cli) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        locomo.load_dataset(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="list of conversations"):
        locomo.load_dataset(bad)
    result = cli("bench", "locomo", str(bad))
    assert result.exit_code == 2 and "list of conversations" in result.output
    result = cli("bench", "locomo", str(bad), "--configs", "magic")
    assert result.exit_code == 2 and "--configs" in result.output


def test_holdout_conversations_are_reported_apart(dataset: Path, tmp_path: Path, embedder) -> None:
    two = [TINY[0], {**TINY[0], "sample_id": "conv-y"}]
    dataset.write_text(json.dumps(two), encoding="utf-8")
    report = locomo.run(
        dataset,
        budgets=[4000],
        configs=["raw"],
        holdout=["conv-y"],
        work_dir=tmp_path / "work",
        write=False,
        show=False,
    )
    rows = {r["split"]: r for r in report.rows}
    assert {k: rows[k]["questions"] for k in rows} == {"all": 6, "tune": 3, "holdout": 3}
    with pytest.raises(InvalidInput, match="unknown conversations"):
        locomo.run(dataset, budgets=[4000], configs=["raw"], holdout=["conv-z"], show=False)
