"""The rule-based extractor: what each rule proposes, dedup, persistence."""

from __future__ import annotations

import pytest

from atocore.interactions.service import record_interaction
from atocore.memory.extractor import extract_from_interaction, propose
from atocore.memory.service import create_memory, list_memories


def _rules(text: str, source: str = "response") -> dict[str, tuple[str, str]]:
    return {p.rule: (p.memory_type, p.content) for p in propose(text, source=source)}


@pytest.mark.parametrize(
    ("text", "rule", "memory_type", "content"),
    [
        (
            "Since you prefer SI units, the mass is 2.1 kg.",
            "user-prefers",
            "preference",
            "Since you prefer SI units, the mass is 2.1 kg.",
        ),
        (
            "## Decision: use GF-PTFE pads for thermal stability",
            "label:decision",
            "project",
            "Decision: use GF-PTFE pads for thermal stability",
        ),
        (
            "- **Constraint:** total mass below 2 kg",
            "label:constraint",
            "project",
            "Constraint: total mass below 2 kg",
        ),
        (
            "So we decided to keep the aluminium frame for now.",
            "decided",
            "project",
            "So we decided to keep the aluminium frame for now.",
        ),
        (
            "Remember that the vendor needs six weeks of lead time.",
            "remember",
            "knowledge",
            "The vendor needs six weeks of lead time.",
        ),
        (
            "The primary mirror mass must not exceed 2 kg.",
            "constraint",
            "project",
            "The primary mirror mass must not exceed 2 kg.",
        ),
        (
            "A hard requirement is that the stand fits through a 80 cm door.",
            "constraint",
            "project",
            "A hard requirement is that the stand fits through a 80 cm door.",
        ),
        (
            "Lesson learned: check CTE mismatch before bonding.",
            "label:lesson learned",
            "adaptation",
            "Lesson learned: check CTE mismatch before bonding.",
        ),
    ],
)
def test_rules(text, rule, memory_type, content):
    assert _rules(text)[rule] == (memory_type, content)


def test_plain_text_proposes_nothing():
    text = (
        "Here is the summary of the file.\n```python\n# Decision: not in code\n"
        "we decided to x = 1\n```\nYou must be joking. The tests pass."
    )
    assert propose(text) == []


@pytest.mark.parametrize(
    ("text", "rule", "memory_type"),
    [
        ("I prefer metric units in every drawing.", "prefer", "preference"),
        ("I'd rather get short answers.", "prefer", "preference"),
        ("I'm a mechanical engineer working on optics.", "identity", "identity"),
        ("My role is lead of the metrology team.", "identity", "identity"),
        ("I’m a mechanical engineer, curly apostrophe.", "identity", "identity"),
    ],
)
def test_first_person_counts_only_in_the_prompt(text, rule, memory_type):
    assert _rules(text, source="prompt")[rule] == (memory_type, text)
    assert _rules(text, source="response") == {}  # there it is the assistant speaking


def test_both_sides_share_the_other_rules():
    text = "## Decision: frame in Invar\nThe mass must not exceed 2 kg."
    assert set(_rules(text, source="prompt")) == {"label:decision", "constraint"}
    assert set(_rules(text, source="response")) == {"label:decision", "constraint"}
    assert _rules("Since you prefer tabs, done.", source="prompt") == {}


@pytest.mark.parametrize(
    "sentence",
    [
        "The function must be called with `retries=3`.",
        "Then run() must be idempotent.",
        "The config value must be x == 3 here.",
    ],
)
def test_code_instructions_are_not_constraints(sentence):
    assert propose(sentence) == []


def test_preferences_are_global_others_take_the_project():
    proposals = propose(
        "I prefer SI units everywhere. We decided to use Invar.",
        source="prompt",
        project="p05-interferometer",
    )
    scope = {p.rule: p.project for p in proposals}
    assert scope == {"prefer": "", "decided": "p05-interferometer"}


def test_extract_preview_persist_and_dedup(conn, p05):
    existing = create_memory(
        conn, "project", "Decision: use GF-PTFE pads for thermal stability", project="p05"
    )
    interaction = record_interaction(
        conn,
        "what about pads? I prefer SI units in answers.",
        "## Decision: use GF-PTFE pads for thermal stability\n"
        "We decided to bond the pads with RTV.\n"
        "We decided to bond the pads with RTV.\n"
        "Ok.",
        project="p05",
        reinforce=False,
    )
    preview = extract_from_interaction(conn, interaction.id)
    assert preview.persisted is False
    assert [p.rule for p in preview.candidates] == ["decided", "prefer"]
    reasons = {(d.rule, d.reason) for d in preview.dropped}
    assert ("label:decision", "duplicates active memory") in reasons
    assert ("decided", "same as the decided candidate") in reasons
    assert next(d.existing_id for d in preview.dropped if d.existing_id) == existing.id
    assert list_memories(conn, status="candidate") == []

    stored = extract_from_interaction(conn, interaction.id[:8], persist=True)
    assert len(stored.created_ids) == 2
    candidates = list_memories(conn, status="candidate", oldest_first=True)
    assert [c.id for c in candidates] == stored.created_ids
    assert {c.source_interaction_id for c in candidates} == {interaction.id}
    assert {c.project for c in candidates} == {"p05-interferometer", ""}

    again = extract_from_interaction(conn, interaction.id, persist=True)
    assert again.created_ids == []
    assert {d.reason for d in again.dropped} >= {"duplicates candidate memory"}


def test_cli_extract_preview_and_persist(cli):
    captured = cli.json(
        "interactions", "capture", "q", "## Decision: use Invar for the frame", "--no-reinforce"
    )
    preview = cli.json("interactions", "extract", captured["id"])
    assert preview["persisted"] is False
    assert preview["candidates"][0]["content"] == "Decision: use Invar for the frame"
    assert cli.json("memory", "list") == []
    human = cli("interactions", "extract", captured["id"], "--persist")
    assert human.exit_code == 0 and "stored 1 candidate" in human.stdout
    listed = cli.json("memory", "list", "--status", "candidate")
    assert [m["content"] for m in listed] == ["Decision: use Invar for the frame"]


@pytest.mark.parametrize(
    "text",
    [
        "Prefer short answers with the numbers first.",
        "I prefer metric units in every drawing.",
        "Always use SI units in the tables.",
        "Never commit the vendor's datasheets to the repo.",
        "Please never reformat files you did not touch.",
        "My preference is small reviewable diffs.",
    ],
)
def test_common_preference_phrasings_in_the_prompt(text):
    (proposal,) = propose(text, source="prompt", project="p05")
    assert (proposal.memory_type, proposal.project, proposal.content) == ("preference", "", text)
    assert propose(text, source="response") == []  # there it is the assistant's advice


@pytest.mark.parametrize(
    "text",
    [
        "We decided to bond the pads with RTV.",
        "Decision: the frame is Invar.",
        "Final decision: bond with RTV.",
        "We're going with the kinematic mount.",
        "We chose the three-ball mount over flexures.",
        "We settled on a 2 kg mass budget.",
        "Let's go with the cheaper camera.",
    ],
)
def test_common_decision_phrasings_are_project_memories(text):
    (proposal,) = propose(text, source="response", project="p05")
    assert proposal.memory_type == "project" and proposal.project == "p05"


def test_first_person_choices_count_only_in_the_prompt():
    assert propose("I chose a dict for the lookup table.", source="response") == []
    (proposal,) = propose("I chose the three-ball mount.", source="prompt", project="p05")
    assert (proposal.rule, proposal.memory_type) == ("i-decided", "project")


def test_never_mind_is_not_a_preference():
    assert propose("Never mind, the tests pass now.", source="prompt") == []


def test_one_decision_stated_twice_in_a_response_is_one_candidate(conn, p05):
    interaction = record_interaction(
        conn,
        "what frame material?",
        "## Decision: use Invar for the frame\n"
        "We decided to use Invar for the frame because it barely expands.\n"
        "The mass must not exceed 2 kg.",
        project="p05",
        reinforce=False,
    )
    result = extract_from_interaction(conn, interaction.id)
    assert [(c.rule, c.content) for c in result.candidates] == [
        ("label:decision", "Decision: use Invar for the frame"),
        ("constraint", "The mass must not exceed 2 kg."),
    ]
    assert [(d.rule, d.reason) for d in result.dropped] == [
        ("decided", "same as the label:decision candidate")
    ]


def test_a_project_decision_graduates_to_a_decision(conn, p05):
    from atocore.engineering.graduation import graduate_memory

    decision = create_memory(conn, "project", "Decision: use Invar for the frame", project="p05")
    requirement = create_memory(conn, "project", "The mass must not exceed 2 kg", project="p05")
    assert graduate_memory(conn, decision.id).entity.entity_type == "Decision"
    assert graduate_memory(conn, requirement.id).entity.entity_type == "Requirement"
