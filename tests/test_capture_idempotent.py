"""A turn is captured once: the Stop hook may run twice on the same turn."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from factories import write_transcript

from atocore.interactions.service import list_interactions, record_interaction


def test_same_turn_twice_stores_one_interaction(conn):
    first = record_interaction(conn, "how do we mount it?", "kinematic", session_id="s1")
    again = record_interaction(conn, "how do we mount it?", "kinematic", session_id="s1")
    assert again.id == first.id
    assert len(list_interactions(conn)) == 1


def test_other_turns_and_sessionless_captures_are_kept(conn):
    record_interaction(conn, "how do we mount it?", "kinematic", session_id="s1")
    record_interaction(conn, "how do we mount it?", "kinematic", session_id="s2")
    record_interaction(conn, "how do we mount it?", "three balls", session_id="s1")
    record_interaction(conn, "a scripted capture", "same", session_id="")
    record_interaction(conn, "a scripted capture", "same", session_id="")
    assert len(list_interactions(conn)) == 5


def test_the_real_stop_hook_run_twice_captures_once(conn, tmp_path):
    transcript = write_transcript(
        tmp_path / "transcript.jsonl", "which mount did we pick?", "Kinematic."
    )
    stdin = json.dumps(
        {
            "session_id": "sess-twice",
            "transcript_path": str(transcript),
            "cwd": str(tmp_path),
            "hook_event_name": "Stop",
            "stop_hook_active": False,
        }
    )
    env = {k: v for k, v in os.environ.items() if k != "ATOCORE_URL"}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "atocore.hooks", "stop"],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0 and "recorded interaction" in done.stderr, done.stderr
    stored = list_interactions(conn, session_id="sess-twice")
    assert len(stored) == 1
    assert stored[0].prompt == "which mount did we pick?"
