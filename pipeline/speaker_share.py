"""Speaker share per conversation (CODEBOOK section 1): counted, not classified.

Words are words and seconds are seconds: time figures are only given when the transcript has
timestamps, and stay empty (NaN) otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

ROLES = ("caseworker", "citizen", "other")


def speaker_share(turns: pd.DataFrame) -> dict[str, float]:
    """The speaker-share figures of one conversation's turns (columns as pipeline.turns)."""
    figures: dict[str, float] = {"turns": len(turns)}
    timed = turns["start"].notna() & turns["end"].notna()
    seconds = (turns["end"] - turns["start"]).where(timed).clip(lower=0)
    figures["minutes"] = (
        (turns["end"].max() - turns["start"].min()) / 60 if timed.any() else math.nan
    )
    total_words = turns["words"].sum()
    total_seconds = seconds.sum() if timed.any() else math.nan
    monologues = longest_monologues(turns)
    for role in ROLES:
        mine = turns["role"] == role
        words = turns.loc[mine, "words"].sum()
        role_seconds = seconds[mine].sum() if timed[mine].any() else math.nan
        figures[f"{role}_words"] = words
        figures[f"{role}_word_share"] = _share(words, total_words)
        figures[f"{role}_seconds"] = role_seconds
        figures[f"{role}_time_share"] = _share(role_seconds, total_seconds)
        figures[f"{role}_turns"] = int(mine.sum())
        figures[f"{role}_mean_words_per_turn"] = _share(words, mine.sum())
        figures[f"{role}_longest_monologue_words"] = monologues[role][0]
        figures[f"{role}_longest_monologue_seconds"] = monologues[role][1]
    figures["citizen_share"] = _share(
        figures["citizen_words"], figures["citizen_words"] + figures["caseworker_words"]
    )
    figures["citizen_time_share"] = _share(
        figures["citizen_seconds"], figures["citizen_seconds"] + figures["caseworker_seconds"]
    )
    return figures


def longest_monologues(turns: pd.DataFrame) -> dict[str, tuple[int, float]]:
    """Per role, the most words and the most seconds in one uninterrupted run of its turns.

    A backchannel-only turn of another role ("mm", "ja") does not interrupt a run.
    """
    best = {role: [0, math.nan] for role in ROLES}
    run_role, run_words, run_start, run_end = None, 0, math.nan, math.nan

    def close() -> None:
        if run_role in best:
            best[run_role][0] = max(best[run_role][0], run_words)
            best[run_role][1] = float(np.fmax(best[run_role][1], run_end - run_start))

    for row in turns.itertuples(index=False):
        if row.role == run_role:
            run_words += row.words
            run_end = row.end
        elif row.backchannel and run_role is not None:
            continue
        else:
            close()
            run_role, run_words, run_start, run_end = row.role, row.words, row.start, row.end
    close()
    return {role: (int(words), seconds) for role, (words, seconds) in best.items()}


def _share(part: float, whole: float) -> float:
    return part / whole if whole and not math.isnan(whole) and not math.isnan(part) else math.nan
