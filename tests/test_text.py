"""The shared small helpers: stored digests and timestamps must not drift."""

from __future__ import annotations

import re

from atocore.engineering.entities import entity_hash
from atocore.text import content_hash, slugify, truncate
from atocore.timeutil import now_utc


def test_content_hash_is_sha256_of_bytes_or_utf8_text():
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert content_hash(b"abc") == content_hash("abc") == digest


def test_entity_hash_matches_rows_already_stored():
    # The value a database written before the helpers moved holds for this entity.
    assert (
        entity_hash("Mirror Mount", {"material": "Invar"})
        == content_hash('{"attributes": {"material": "Invar"}, "name": "Mirror Mount"}')[:32]
    )


def test_slugify_and_truncate():
    assert slugify("  Mirror Mount / M-3 ") == "mirror-mount-m-3"
    assert truncate("x" * 60, 50) == "x" * 50 + "\n\n[truncated: 10 more characters]"
    assert truncate("x" * 60, 50, " [cut]") == "x" * 50 + " [cut]"
    assert truncate("short", 50, " [cut]") == "short"


def test_now_utc_is_the_storage_format():
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", now_utc())


def test_one_line_folds_white_space_and_marks_the_cut():
    from atocore.text import one_line

    assert one_line("  two\n\tlines  ", 20) == "two lines"
    assert one_line(None, 5) == ""
    assert one_line("abcdefgh", 5) == "abcd…"
    assert len(one_line("x " * 50, 10)) == 10
