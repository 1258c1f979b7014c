"""The registry of figures (CODEBOOK sections 1-4): what each one counts, whose words it is about,
and how it is read. Sheets, tables and metrics are built from this list; the one-line texts a
person reads are in configs/sheet/<lang>.yaml under `figures`, keyed by the figure's name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    role: str  # whose words the figure is about
    kind: str  # share (0-1), count, rate (per 10 minutes or 100 words), ratio, words
    # "none" for figures that are material for reflection, not a grade; "more_means_more_say"
    # where more of it means the citizen had more room.
    direction: str = "none"


FIGURES: tuple[Figure, ...] = (
    Figure("citizen_share", "citizen", "share", "more_means_more_say"),
    Figure("citizen_time_share", "citizen", "share", "more_means_more_say"),
    Figure("caseworker_longest_monologue_words", "caseworker", "words"),
    Figure("caseworker_longest_monologue_seconds", "caseworker", "seconds"),
    Figure("open_question_turns", "caseworker", "count"),
    Figure("closed_question_turns", "caseworker", "count"),
    Figure("open_question_units", "caseworker", "count"),
    Figure("closed_question_units", "caseworker", "count"),
    Figure("open_share_turns", "caseworker", "share"),
    Figure("open_share_units", "caseworker", "share"),
    Figure("reflection_units", "caseworker", "count"),
    Figure("questions_per_10_min", "caseworker", "rate"),
    Figure("reflections_per_10_min", "caseworker", "rate"),
    Figure("questions_per_100_words", "caseworker", "rate"),
    Figure("reflections_per_100_words", "caseworker", "rate"),
    Figure("reflection_question_ratio", "caseworker", "ratio"),
    Figure("input_share", "caseworker", "share"),
    Figure("agentive_share", "citizen", "share", "more_means_more_say"),
    Figure("non_agentive_share", "citizen", "share"),
    Figure("becomer_units", "caseworker", "count"),
    Figure("being_units", "caseworker", "count"),
    Figure("being_share", "caseworker", "share", "more_means_more_say"),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
NAMES = [figure.name for figure in FIGURES]
