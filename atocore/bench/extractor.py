"""Extractor precision/recall on a small labelled set of exchanges of our own.

Each case of ``tests/fixtures/extractor-labelled.json`` is a prompt, a
response and the memories a careful reader would propose (type + a phrase
the text must contain). The extractor runs as ``extract`` does (both sides,
then the filter, on an empty store); a proposal is a hit when it matches an
expected memory not matched yet, by type and phrase. Precision = hits /
proposals, recall = hits / expected; "wrong type" counts proposals whose
phrase matched but whose type did not. ``--baseline REF`` scores the
extractor of that git commit in the same run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

from atocore.bench.harness import CHECKOUT, Report
from atocore.db.types import Connection

LABELLED = CHECKOUT / "tests" / "fixtures" / "extractor-labelled.json"


def load_cases(path: Path = LABELLED) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def extractor_at(ref: str) -> types.ModuleType:
    """The extractor module as it was at git ``ref`` (for a before/after in one run)."""
    source = subprocess.run(
        ["git", "show", f"{ref}:atocore/memory/extractor.py"],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = f"atocore_bench_extractor_at_{ref}"
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up there
    exec(compile(source, f"{ref}:atocore/memory/extractor.py", "exec"), module.__dict__)
    return module


def score(extractor: Any, cases: list[dict[str, Any]], conn: Connection) -> dict[str, Any]:
    """Hits, proposals, expected, wrong types and the misses of ``extractor`` on ``cases``."""
    hits = proposed = wrong_type = 0
    misses, false = [], []
    for case in cases:
        proposals = extractor.propose(case["response"], source="response", project="p")
        proposals += extractor.propose(case["prompt"], source="prompt", project="p")
        kept, _ = extractor.filter_proposals(conn, proposals, "p")
        open_items = list(case["expected"])
        for proposal in kept:
            proposed += 1
            text = proposal.content.lower()
            match = next(
                (
                    e
                    for e in open_items
                    if e["type"] == proposal.memory_type and e["contains"] in text
                ),
                None,
            )
            if match is not None:
                hits += 1
                open_items.remove(match)
                continue
            if any(e["contains"] in text for e in case["expected"]):
                wrong_type += 1
            false.append(f"{case['id']}: [{proposal.memory_type}] {proposal.content[:70]}")
        misses += [f"{case['id']}: [{e['type']}] {e['contains']}" for e in open_items]
    expected = sum(len(c["expected"]) for c in cases)
    return {
        "proposals": proposed,
        "hits": hits,
        "expected": expected,
        "wrong_type": wrong_type,
        "precision": round(hits / proposed, 3) if proposed else 0.0,
        "recall": round(hits / expected, 3) if expected else 0.0,
        "false_positives": false,
        "misses": misses,
    }


def run(
    *,
    baseline: str | None = None,
    write: bool = True,
    show: bool = True,
    command: str | None = None,
) -> Report:
    from atocore.config import get_settings
    from atocore.db import connect
    from atocore.db.migrations import apply_migrations
    from atocore.memory import extractor as current

    cases = load_cases()
    report = Report(
        "extractor", params={"cases": len(cases), "baseline": baseline}, command=command
    )
    candidates = [(f"baseline ({baseline})", extractor_at(baseline))] if baseline else []
    candidates.append(("current", current))
    with tempfile.TemporaryDirectory(prefix="atocore-bench-extractor-") as tmp:
        conn = connect(Path(tmp) / "atocore.db", busy_timeout_ms=get_settings().busy_timeout_ms)
        try:
            apply_migrations(conn)
            for label, module in candidates:
                result = score(module, cases, conn)
                report.add(
                    {
                        "extractor": label,
                        **{k: v for k, v in result.items() if not isinstance(v, list)},
                    }
                )
                report.extra[label] = {
                    "false_positives": result["false_positives"],
                    "misses": result["misses"],
                }
        finally:
            conn.close()
    report.finish(write=write, show=show)
    if show:
        for label, detail in report.extra.items():
            print(f"{label}: misses {detail['misses']}")
            print(f"{label}: false positives {detail['false_positives']}")
    return report
