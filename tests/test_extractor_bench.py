"""The labelled extractor set: well formed, and the extractor keeps its figures on it."""

from __future__ import annotations

from atocore.bench.extractor import load_cases, score
from atocore.memory import extractor
from atocore.memory.service import MEMORY_TYPES


def test_labelled_set_is_well_formed():
    cases = load_cases()
    assert len(cases) >= 30
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert case["prompt"].strip() and case["response"].strip()
        for item in case["expected"]:
            assert item["type"] in MEMORY_TYPES and item["contains"] == item["contains"].lower()


def test_extractor_precision_and_recall_on_the_labelled_set(conn):
    result = score(extractor, load_cases(), conn)
    assert result["precision"] >= 0.9, result["false_positives"]
    assert result["recall"] >= 0.9, result["misses"]
    assert result["wrong_type"] <= 1
