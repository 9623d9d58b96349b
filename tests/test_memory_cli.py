"""``atocore memory`` commands against the real app and a temp data dir."""

from __future__ import annotations

import json

import pytest

MEMORY_KEYS = {
    "id",
    "memory_type",
    "content",
    "project",
    "status",
    "confidence",
    "source_chunk_id",
    "source_interaction_id",
    "reference_count",
    "last_referenced_at",
    "superseded_by",
    "graduated_to",
    "created_at",
    "updated_at",
}


def _add(cli, text: str, *extra: str) -> dict:
    return cli.json("memory", "add", text, *extra)


def test_add_list_show_shapes(cli, p05):
    added = _add(cli, "The stand sits on an optical table", "-t", "project", "-p", "p05")
    assert set(added) == MEMORY_KEYS
    assert added["project"] == "p05-interferometer"
    assert added["status"] == "active"
    for alias in ("p05", "interferometer", "p05-interferometer"):
        assert [m["id"] for m in cli.json("memory", "list", "-p", alias)] == [added["id"]]
    shown = cli.json("memory", "show", added["id"][:8])
    assert set(shown) == {"memory", "provenance", "history"}
    assert shown["history"][0]["action"] == "create"
    human = cli("memory", "show", added["id"])
    assert human.exit_code == 0 and "optical table" in human.stdout
    assert cli("memory", "list").exit_code == 0


def test_candidate_promote_reject_and_log(cli):
    first = _add(cli, "Candidate number one for promotion", "--candidate")
    second = _add(cli, "Candidate number two for rejection", "--candidate")
    assert first["status"] == "candidate"
    promoted = cli.json("memory", "promote", first["id"], "--reason", "checked")
    assert [m["status"] for m in promoted] == ["active"]
    rejected = cli.json("memory", "reject", second["id"][:8], "--reason", "wrong")
    assert [m["status"] for m in rejected] == ["invalid"]
    history = cli.json("memory", "show", first["id"])["history"]
    assert [(h["action"], h["reason"]) for h in history] == [
        ("create", "added by hand"),
        ("promote", "checked"),
    ]


def test_illegal_transitions_exit_2(cli):
    memory = _add(cli, "An active memory cannot be promoted")
    result = cli("memory", "promote", memory["id"])
    assert result.exit_code == 2
    assert "cannot promote" in result.output
    result = cli("memory", "supersede", _add(cli, "A candidate one", "--candidate")["id"])
    assert result.exit_code == 2
    rejected = cli.json("memory", "reject", memory["id"])
    assert rejected[0]["status"] == "invalid"
    assert cli("memory", "reject", memory["id"]).exit_code == 2
    assert cli("memory", "edit", memory["id"], "-c", "new text here").exit_code == 2


def test_batch_promote_is_all_or_nothing(cli):
    good = _add(cli, "A good candidate memory", "--candidate")
    result = cli("memory", "promote", good["id"], "missing-id")
    assert result.exit_code == 2
    assert cli.json("memory", "show", good["id"])["memory"]["status"] == "candidate"


def test_all_from_interaction(cli):
    captured = cli.json(
        "interactions",
        "capture",
        "q",
        "## Decision: frame in Invar\n## Constraint: mass below 2 kg",
        "--no-reinforce",
    )
    cli.json("interactions", "extract", captured["id"], "--persist")
    promoted = cli.json("memory", "promote", "--all-from-interaction", captured["id"][:8])
    assert sorted(m["content"] for m in promoted) == [
        "Constraint: mass below 2 kg",
        "Decision: frame in Invar",
    ]
    assert cli.json("memory", "promote", "--all-from-interaction", captured["id"]) == []
    assert cli("memory", "promote").exit_code == 2
    assert cli("memory", "promote", "x1234", "--all-from-interaction", "y").exit_code == 2
    assert cli("memory", "reject", "--all-from-interaction", "nope-nope").exit_code == 2


def test_edit_and_supersede(cli):
    memory = _add(cli, "Pump runs at 40 Hz")
    edited = cli.json("memory", "edit", memory["id"], "-c", "Pump runs at 45 Hz", "-t", "project")
    assert (edited["content"], edited["memory_type"]) == ("Pump runs at 45 Hz", "project")
    out = cli.json("memory", "supersede", memory["id"], "-c", "Pump runs at 50 Hz")
    assert out["superseded"]["status"] == "superseded"
    assert out["replacement"]["content"] == "Pump runs at 50 Hz"
    assert out["superseded"]["superseded_by"] == out["replacement"]["id"]


def test_forget_confirmation(cli):
    memory = _add(cli, "My phone number is 555 0100")
    declined = cli("memory", "forget", memory["id"], input="n\n")
    assert declined.exit_code == 1
    assert cli.json("memory", "show", memory["id"])["memory"]["id"] == memory["id"]
    accepted = cli("memory", "forget", memory["id"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert cli("memory", "show", memory["id"]).exit_code == 2
    log = cli.json("memory", "list")
    assert log == []


def test_forget_yes_json(cli):
    memory = _add(cli, "Forget me without asking")
    data = cli.json("memory", "forget", memory["id"], "--yes", "--reason", "privacy")
    assert data == {
        "id": memory["id"],
        "memory_type": "knowledge",
        "project": "",
        "from_status": "active",
        "forgotten": True,
        "interaction_forgotten": None,
    }


def test_forget_with_its_interaction(cli):
    captured = cli.json(
        "interactions", "capture", "my secret plan", "## Decision: secret plan B", "--no-reinforce"
    )
    extracted = cli.json("interactions", "extract", captured["id"], "--persist")
    (memory_id,) = extracted["created_ids"]
    data = cli.json("memory", "forget", memory_id, "--with-interaction", "--yes")
    assert data["interaction_forgotten"] == captured["id"]
    assert cli("interactions", "show", captured["id"]).exit_code == 2
    assert cli.json("interactions", "list") == []


def test_forget_interaction_only(cli):
    captured = cli.json("interactions", "capture", "private question", "answer", "--no-reinforce")
    assert cli("interactions", "forget", captured["id"], input="n\n").exit_code == 1
    assert cli.json("interactions", "show", captured["id"])["prompt"] == "private question"
    result = cli("interactions", "forget", captured["id"][:8], input="y\n")
    assert result.exit_code == 0, result.output
    assert cli.json("interactions", "list") == []
    assert cli("interactions", "forget", "missing", "--yes").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["memory", "add", "text here", "-t", "opinion"],
        ["memory", "add", "   "],
        ["memory", "add", "text here", "--confidence", "1.2"],
        ["memory", "list", "--status", "pending"],
        ["memory", "list", "--type", "fact"],
        ["memory", "show", "missing"],
        ["memory", "edit", "missing", "-c", "x"],
        ["memory", "reject", "missing"],
        ["memory", "supersede", "missing"],
        ["memory", "forget", "missing", "--yes"],
    ],
)
def test_bad_input_exit_2_and_nothing_written(cli, conn, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert cli.json("memory", "list") == []


def test_json_error_output(cli, conn):
    result = cli("memory", "show", "missing", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "not_found"


def test_every_command_has_help(cli):
    for group, commands in {
        "memory": ["list", "add", "show", "edit", "promote", "reject", "supersede", "forget"],
        "interactions": ["capture", "list", "show", "reinforce", "extract", "forget"],
    }.items():
        for command in commands:
            result = cli(group, command, "--help")
            assert result.exit_code == 0
            assert len(result.stdout.strip()) > 40
    assert cli("review", "--help").exit_code == 0
