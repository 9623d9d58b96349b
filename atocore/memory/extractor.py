"""Rule-based candidate extraction: explainable, never automatic promotion.

Each rule is a named regular expression with the memory type it proposes.
Two kinds:

* **Labelled lines** — a markdown heading or bold label such as
  ``## Decision: use GF-PTFE pads`` or ``**Constraint:** mass < 2 kg``.
* **Phrases** in a sentence — "we decided to…", "going with…", "I prefer…",
  "Always use…", "remember that…", "must not exceed…", "the requirement is…".

Both sides of the interaction are scanned, except that first-person
preference and identity phrases ("I prefer", "I'm a") count only in the
prompt — in a response the first person is the assistant — and the
response's "you prefer" counts as the user's preference. Sentences that
look like code instructions are not taken as constraints. Every proposal
names its rule and the text it came from. Proposals of one response that say
the same thing (a ``Decision:`` line and a "we decided" sentence) merge into
one; proposals that restate an existing active or pending candidate memory
are dropped. Persisting
stores them as ``candidate`` memories with the interaction as provenance;
only a person promotes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.memory.service import create_memory, normalize_content
from atocore.memory.tokens import token_set
from atocore.privacy import strip_private

MIN_CHARS = 12
MAX_CHARS = 400


@dataclass(frozen=True)
class Rule:
    name: str
    memory_type: str
    pattern: re.Pattern[str]
    confidence: float
    sources: tuple[str, ...] = ("prompt", "response")  # which side(s) it reads
    keep: str = "sentence"  # "sentence" or "after" (the text after the match)
    global_scope: bool = False  # about the user, not one project
    skip_code: bool = False  # ignore sentences that look like code instructions


# Labels recognised at the start of a line (after '#'s, '-', '*', '**').
# A decision is a fact of its project ("project"); "adaptation" keeps the
# lessons, what to do differently next time.
LABELS: dict[str, str] = {
    "decision": "project",
    "decided": "project",
    "lesson": "adaptation",
    "lesson learned": "adaptation",
    "lessons learned": "adaptation",
    "constraint": "project",
    "requirement": "project",
    "requirements": "project",
    "preference": "preference",
    "fact": "knowledge",
    "note": "knowledge",
    "remember": "knowledge",
    "status": "project",
}
_LABEL_LINE = re.compile(
    r"^\s*(?:#{1,6}\s*|[-*+]\s+)?(?:\*\*|__)?\s*(?P<label>"
    + "|".join(sorted((re.escape(k) for k in LABELS), key=len, reverse=True))
    + r")\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?P<body>.+)$",
    re.IGNORECASE,
)

_DECIDED = (
    r"(?:'ve| have)? (?:finally |now |just |already )?(?:decided|chose|chosen|settled on|"
    r"agreed on|agreed to|opted for|picked|went with)\b"
    r"|(?:'re| are|'ll| will)? go(?:ing)? (?:with|to go with)\b"
)
# "we decided…", "decision: …", "going with…", "chose…" (also what graduation calls a decision)
DECISION = re.compile(
    rf"\bwe{_DECIDED}|\blet['’]s go with\b|\bthe decision (?:is|was) to\b"
    r"|\b(?:final |our |the )?decision\s*:\s*\S",
    re.I,
)

PHRASE_RULES: tuple[Rule, ...] = (
    Rule("decided", "project", DECISION, 0.6),
    Rule(
        "i-decided",
        "project",
        re.compile(rf"\bI{_DECIDED}|\bI(?:'m| am) going with\b", re.I),
        0.6,
        sources=("prompt",),  # in a response "I chose" is the assistant's own choice
    ),
    Rule(
        "prefer",
        "preference",
        re.compile(
            r"\bI (?:really |strongly |usually |generally )?(?:prefer|like to|would rather|"
            r"always|never|want you to|don['’]t like|do not like|hate)\b|\bI['’]d rather\b"
            r"|\bmy preference is\b"
            # an instruction to the assistant: "Prefer …", "Always use …", "Never …"
            r"|^\W*(?:please,? )?(?:prefer|always|never(?! mind)|avoid|don['’]t ever|"
            r"do not ever)\b",
            re.I,
        ),
        0.6,
        sources=("prompt",),  # first person in a response is the assistant, not the user
        global_scope=True,
    ),
    Rule(
        "user-prefers",
        "preference",
        re.compile(
            r"\b(?:you|the user) (?:prefer|like|want|asked for)s?\b|\byour preference is\b",
            re.I,
        ),
        0.5,
        sources=("response",),  # the assistant restating the user's preference
        global_scope=True,
    ),
    Rule(
        "identity",
        "identity",
        re.compile(
            r"\b(?:I am|I['’]m) an? (?!\w+ing\b)\w+|\bmy (?:name|role|job) is\b"
            r"|\bI work (?:as|at|on|for)\b",
            re.I,
        ),
        0.5,
        sources=("prompt",),
        global_scope=True,
    ),
    Rule(
        "remember",
        "knowledge",
        re.compile(r"\b(?:remember|note|keep in mind|don't forget|do not forget) that\s+", re.I),
        0.6,
        sources=("prompt", "response"),
        keep="after",
    ),
    Rule(
        "constraint",
        "project",
        re.compile(
            r"(?<!you )(?<!You )\b(?:must|shall)(?: not|n't)? "
            r"(?:be|exceed|stay|remain|have|use|fit|meet|not exceed|survive|withstand|operate)\b"
            r"|\b(?:the|a|our|hard) (?:requirement|constraint|spec|budget|limit) (?:is|are)\b"
            r"|\bis (?:a hard |a )?(?:requirement|constraint)\b",
            re.I,
        ),
        0.5,
        skip_code=True,
    ),
    Rule(
        "lesson",
        "adaptation",
        re.compile(
            r"\blessons? learned\b|\bnext time,? (?:we|I) (?:should|will|must)\b"
            r"|\bin (?:the )?future,? (?:we|I) (?:should|will)\b",
            re.I,
        ),
        0.5,
    ),
)


class Proposal(BaseModel):
    memory_type: str
    content: str
    project: str
    rule: str
    source: str  # "response" or "prompt"
    excerpt: str
    confidence: float


class Dropped(BaseModel):
    content: str
    rule: str
    reason: str
    existing_id: str | None = None


class ExtractionResult(BaseModel):
    interaction_id: str
    project: str
    persisted: bool = False
    candidates: list[Proposal] = Field(default_factory=list)
    dropped: list[Dropped] = Field(default_factory=list)
    created_ids: list[str] = Field(default_factory=list)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*_`])")
_MARKUP = re.compile(r"(\*\*|__|`)")
_CODE_HINT = re.compile(r"`|\w\(|\)\s*$|\s==?\s|\w\.\w+\(|/\w+/")


def _clean(text: str) -> str:
    text = _MARKUP.sub("", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" -–—:;")


def _segments(block: str) -> list[str]:
    """Whole labelled lines, and the sentences of every other line (code fences skipped)."""
    out: list[str] = []
    in_fence = False
    for line in block.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip() or line.lstrip().startswith(("|", ">")):
            continue
        if _LABEL_LINE.match(line):
            out.append(line)
            continue
        out.extend(s for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _finish(text: str) -> str:
    text = _clean(text)
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text


def propose(text: str, *, source: str = "response", project: str = "") -> list[Proposal]:
    """Candidate memories found in ``text`` by the rules (no database access).

    Private spans are stripped first, so no candidate can carry one (even from
    an interaction stored before capture stripped them)."""
    proposals: list[Proposal] = []
    for segment in _segments(strip_private(text or "")):
        match = _LABEL_LINE.match(segment)
        if match:
            label = match.group("label").lower()
            memory_type = LABELS[label]
            body = _clean(match.group("body"))
            is_pref = memory_type == "preference"
            proposals.append(
                Proposal(
                    memory_type=memory_type,
                    content=_finish(body) if is_pref else f"{label.capitalize()}: {body}",
                    project="" if is_pref else project,
                    rule=f"label:{label}",
                    source=source,
                    excerpt=_clean(segment),
                    confidence=0.7,
                )
            )
            continue
        for rule in PHRASE_RULES:
            if source not in rule.sources:
                continue
            if rule.skip_code and _CODE_HINT.search(segment):
                continue
            found = rule.pattern.search(segment)
            if not found:
                continue
            body = segment[found.end() :] if rule.keep == "after" else segment
            proposals.append(
                Proposal(
                    memory_type=rule.memory_type,
                    content=_finish(body),
                    project="" if rule.global_scope else project,
                    rule=rule.name,
                    source=source,
                    excerpt=_clean(segment),
                    confidence=rule.confidence,
                )
            )
            break  # one proposal per sentence: the first rule wins
    return proposals


def _existing(conn: Connection, project: str) -> list[Any]:
    return conn.execute(
        "SELECT id, content, status FROM memories "
        "WHERE status IN ('active', 'candidate') "
        "AND (project = ? OR project = '')",
        (project,),
    ).fetchall()


def is_decision(text: str) -> bool:
    """Whether ``text`` records a decision ("Decision: …", "we decided …", "going with …")."""
    return bool(DECISION.search(text) or re.match(r"\W*decided\s*:", text, re.I))


# Words that frame a statement rather than carry it: "Decision: use Invar" and
# "We decided to use Invar" say the same thing.
_FRAMING = token_set(
    " ".join([*LABELS, "decide decided chose chosen going go settled agreed opted picked went"])
)
SAME_CONTENT = 0.8  # share of the smaller statement's words the other one repeats


def _gist(proposal: Proposal) -> frozenset[str]:
    return frozenset(token_set(proposal.content) - _FRAMING)


def merge_duplicates(proposals: list[Proposal]) -> tuple[list[Proposal], list[Dropped]]:
    """One candidate per statement: of proposals of one type that say the same
    thing (one labelled line, one sentence), the most confident stays."""
    order = sorted(range(len(proposals)), key=lambda i: -proposals[i].confidence)
    kept: dict[int, frozenset[str]] = {}
    dropped: dict[int, Dropped] = {}
    for i in order:
        proposal, gist = proposals[i], _gist(proposals[i])
        twin = next(
            (
                j
                for j, other in kept.items()
                if proposals[j].memory_type == proposal.memory_type
                and gist
                and other
                and len(gist & other) >= SAME_CONTENT * min(len(gist), len(other))
            ),
            None,
        )
        if twin is None:
            kept[i] = gist
        else:
            reason = f"same as the {proposals[twin].rule} candidate"
            dropped[i] = Dropped(content=proposal.content, rule=proposal.rule, reason=reason)
    return (
        [proposals[i] for i in sorted(kept)],
        [dropped[i] for i in sorted(dropped)],
    )


def filter_proposals(
    conn: Connection, proposals: list[Proposal], project: str
) -> tuple[list[Proposal], list[Dropped]]:
    """Merge proposals that say the same thing (repeats too), then drop
    too-short/long ones and restatements of existing memories."""
    proposals, merged = merge_duplicates(proposals)
    existing = [
        (
            row["id"],
            row["status"],
            normalize_content(row["content"]),
            token_set(row["content"]),
        )
        for row in _existing(conn, project)
    ]
    kept: list[Proposal] = []
    dropped: list[Dropped] = list(merged)
    for proposal in proposals:
        norm = normalize_content(proposal.content)
        if len(norm) < MIN_CHARS:
            dropped.append(
                Dropped(content=proposal.content, rule=proposal.rule, reason="too short")
            )
            continue
        if len(proposal.content) > MAX_CHARS:
            dropped.append(Dropped(content=proposal.content, rule=proposal.rule, reason="too long"))
            continue
        proposal_tokens = token_set(proposal.content)
        match = next(
            (
                (mid, status)
                for mid, status, content, toks in existing
                if content == norm or (proposal_tokens and toks == proposal_tokens)
            ),
            None,
        )
        if match:
            dropped.append(
                Dropped(
                    content=proposal.content,
                    rule=proposal.rule,
                    reason=f"duplicates {match[1]} memory",
                    existing_id=match[0],
                )
            )
            continue
        kept.append(proposal)
    return kept, dropped


def extract_from_interaction(
    conn: Connection, interaction_id: str, *, persist: bool = False
) -> ExtractionResult:
    """Propose candidate memories from a stored interaction; store them if ``persist``."""
    from atocore.interactions.service import get_interaction

    interaction = get_interaction(conn, interaction_id)
    project = interaction.project
    proposals = propose(interaction.response, source="response", project=project)
    proposals += propose(interaction.prompt, source="prompt", project=project)
    result = ExtractionResult(interaction_id=interaction.id, project=project, persisted=persist)
    with transaction(conn):
        kept, dropped = filter_proposals(conn, proposals, project)
        result.candidates, result.dropped = kept, dropped
        if persist:
            for proposal in kept:
                memory = create_memory(
                    conn,
                    proposal.memory_type,
                    proposal.content,
                    project=proposal.project,
                    status="candidate",
                    confidence=proposal.confidence,
                    source_interaction_id=interaction.id,
                    reason=f"extracted by rule {proposal.rule} from the {proposal.source}",
                    actor="extractor",
                )
                result.created_ids.append(memory.id)
    return result
