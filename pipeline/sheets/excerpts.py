"""Excerpts for a sheet: the caseworker's own words (and moments of citizen agency), each with
the other speaker's turn before it, the evidence words marked, picked across conversations.

Every excerpt passes the personal-data scan again, on its text and its context, before it may be
printed; one that finds anything is left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.io.personal_data import PersonalDataScanner
from pipeline.taggers.schema import EVIDENCE_SEPARATOR


@dataclass(frozen=True)
class Kind:
    name: str
    role: str  # whose unit is shown
    column: str  # the tag column that selects it
    value: object  # the label it must have
    evidence: str  # the column with the matched words
    p: str  # the column with the label's probability


KINDS = (
    Kind("open_question", "caseworker", "act", "open_question", "question_evidence", "act_p"),
    Kind("reflection", "caseworker", "reflection", True, "reflection_evidence", "reflection_p"),
    Kind("closed_question", "caseworker", "act", "closed_question", "question_evidence", "act_p"),
    Kind("becomer", "caseworker", "framing", "becomer", "framing_evidence", "framing_p"),
    Kind("agency", "citizen", "agency", "agentive", "agency_evidence", "agency_p"),
)


@dataclass(frozen=True)
class Excerpt:
    kind: str
    date: str
    role: str
    parts: list[tuple[str, bool]]  # the unit's text in pieces; True = evidence, to be marked
    context_role: str
    context: str


@dataclass(frozen=True)
class Picked:
    excerpts: dict[str, list[Excerpt]]
    withheld: int  # candidates left out because the personal-data scan found something


def pick_excerpts(
    turns: pd.DataFrame, units: pd.DataFrame, scanner: PersonalDataScanner,
    per_kind: int = 2, min_words: int = 4, max_words: int = 45, context_words: int = 20,
) -> Picked:  # fmt: skip
    """Up to `per_kind` excerpts of every kind, most probable first, one per conversation
    before a second from the same one. `turns` and `units` are one caseworker's only."""
    contexts = _previous_turns(turns)
    picked: dict[str, list[Excerpt]] = {}
    withheld = 0
    for kind in KINDS:
        candidates = units[(units["role"] == kind.role) & (units[kind.column] == kind.value)]
        lengths = candidates["text"].str.split().str.len()
        candidates = candidates[lengths.between(min_words, max_words)]
        candidates = candidates.sort_values([kind.p, "date", "turn"], ascending=[False, True, True])
        chosen: list[Excerpt] = []
        seen: set[tuple] = set()
        shown_from: set[str] = set()
        for second_round in (False, True):
            for row in candidates.itertuples(index=False):
                key = (row.conversation_id, row.turn, row.unit_index)
                if len(chosen) == per_kind or key in seen or (
                        not second_round and row.conversation_id in shown_from):  # fmt: skip
                    continue
                seen.add(key)
                context_role, context = contexts.get((row.conversation_id, row.turn, row.role),
                                                     ("", ""))  # fmt: skip
                context = _last_words(context, context_words)
                if scanner.scan(row.text) or scanner.scan(context):
                    withheld += 1
                    continue
                shown_from.add(row.conversation_id)
                chosen.append(Excerpt(kind.name, str(row.date), row.role,
                                      mark(row.text, getattr(row, kind.evidence)), context_role,
                                      context))  # fmt: skip
        picked[kind.name] = chosen
    return Picked(picked, withheld)


def mark(text: str, evidence: object) -> list[tuple[str, bool]]:
    """Split `text` into pieces, marking every occurrence of an evidence phrase (any case)."""
    phrases = [p for p in str(evidence or "").split(EVIDENCE_SEPARATOR) if p.strip()]
    folded = text.casefold()
    marked = [False] * len(text)
    for phrase in phrases:
        start = folded.find(phrase.casefold())
        while start >= 0:
            marked[start : start + len(phrase)] = [True] * len(phrase)
            start = folded.find(phrase.casefold(), start + len(phrase))
    parts: list[tuple[str, bool]] = []
    for char, flag in zip(text, marked, strict=True):
        if parts and parts[-1][1] == flag:
            parts[-1] = (parts[-1][0] + char, flag)
        else:
            parts.append((char, flag))
    return parts


def _previous_turns(turns: pd.DataFrame) -> dict[tuple[str, int, str], tuple[str, str]]:
    """(conversation, turn, role) -> (role, text) of the last turn before it by another role
    (caseworker or citizen; an interpreter's or relative's turn is not the context)."""
    ordered = turns.sort_values(["conversation_id", "turn"], kind="stable")
    conversation = ordered["conversation_id"]
    previous: dict[tuple[str, int, str], tuple[str, str]] = {}
    for role, other in (("caseworker", "citizen"), ("citizen", "caseworker")):
        said = ordered["text"].where(ordered["role"] == other)
        last = said.groupby(conversation).ffill().groupby(conversation).shift()
        known = last.notna().to_numpy()
        previous.update(
            ((c, t, role), (other, text)) for c, t, text in
            zip(conversation[known], ordered["turn"][known], last[known], strict=True)
        )  # fmt: skip
    return previous


def _last_words(text: str, limit: int) -> str:
    words = text.split()
    return text if len(words) <= limit else "… " + " ".join(words[-limit:])
