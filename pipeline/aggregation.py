"""Figures per conversation, and their summaries per caseworker and period, per unit and for the
corpus: medians with ranges across conversations, and a bootstrap interval for the median where
there are enough conversations (CODEBOOK sections 1-4)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.figures import NAMES
from pipeline.speaker_share import speaker_share

META_COLUMNS = ["conversation_id", "caseworker_id", "date", "language", "unit", "meeting_type",
                "file"]  # fmt: skip
PERIODS = ("month", "quarter")
# the columns of the turn and unit tables that the figures of a conversation are made from
TURN_INPUTS = [*META_COLUMNS, "turn", "role", "start", "end", "words", "backchannel", "question"]
UNIT_INPUTS = ["conversation_id", "role", "question", "reflection", "input", "framing", "agency"]


def conversation_figures(turns: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per conversation: its metadata, the speaker-share figures and the tag figures."""
    rows = []
    units_by_conversation = dict(tuple(units.groupby("conversation_id", sort=False)))
    for conversation_id, conversation in turns.groupby("conversation_id", sort=False):
        conversation = conversation.sort_values("turn")
        meta = {c: conversation[c].iat[0] for c in META_COLUMNS if c in conversation.columns}
        shares = speaker_share(conversation)
        tagged = units_by_conversation.get(conversation_id, units.iloc[0:0])
        rows.append({**meta, **shares, **tag_figures(conversation, tagged, shares)})
    return pd.DataFrame(rows)


def tag_figures(turns: pd.DataFrame, units: pd.DataFrame, shares: dict) -> dict[str, float]:
    """The question, reflection, input, agency and framing figures of one conversation."""
    caseworker_turns = turns[turns["role"] == "caseworker"]
    caseworker = units[units["role"] == "caseworker"]
    citizen = units[units["role"] == "citizen"]
    open_units = int((caseworker["question"] == "open").sum())
    closed_units = int((caseworker["question"] == "closed").sum())
    open_turns = int((caseworker_turns["question"] == "open").sum())
    closed_turns = int((caseworker_turns["question"] == "closed").sum())
    reflections = int(caseworker["reflection"].eq(True).sum())
    questions = open_units + closed_units
    minutes, words = shares["minutes"], shares["caseworker_words"]
    becomer = int((caseworker["framing"] == "becomer").sum())
    being = int((caseworker["framing"] == "being").sum())
    return {
        "caseworker_units": len(caseworker),
        "citizen_units": len(citizen),
        "open_question_turns": open_turns,
        "closed_question_turns": closed_turns,
        "open_question_units": open_units,
        "closed_question_units": closed_units,
        "open_share_turns": share(open_turns, open_turns + closed_turns),
        "open_share_units": share(open_units, questions),
        "reflection_units": reflections,
        "questions_per_10_min": share(10 * questions, minutes),
        "reflections_per_10_min": share(10 * reflections, minutes),
        "questions_per_100_words": share(100 * questions, words),
        "reflections_per_100_words": share(100 * reflections, words),
        "reflection_question_ratio": share(reflections, questions),
        "input_share": share(int(caseworker["input"].eq(True).sum()), len(caseworker)),
        "agentive_share": share(int((citizen["agency"] == "agentive").sum()), len(citizen)),
        "non_agentive_share": share(int((citizen["agency"] == "non_agentive").sum()), len(citizen)),
        "becomer_units": becomer,
        "being_units": being,
        "being_share": share(being, becomer + being),
    }


def share(part: float, whole: float) -> float:
    """part / whole, or NaN where the whole is zero or unknown."""
    return part / whole if whole and not math.isnan(whole) else math.nan


def period_of(dates: pd.Series, period: str) -> pd.Series:
    """ISO dates as periods: '2026-03' (month) or '2026-Q1' (quarter)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    parsed = pd.to_datetime(dates, errors="coerce")
    if period == "month":
        return parsed.dt.strftime("%Y-%m")
    return parsed.dt.year.astype("Int64").astype(str) + "-Q" + parsed.dt.quarter.astype(str)


def summary_options(config: Config) -> dict[str, int]:
    """The `summarise` settings from params (aggregate.*)."""
    return {
        "min_for_interval": int(config.get("aggregate.min_conversations_for_interval", 5)),
        "resamples": int(config.get("aggregate.bootstrap_resamples", 2000)),
        "seed": int(config.get("aggregate.seed", 0)),
    }


def summarise(
    conversations: pd.DataFrame, min_for_interval: int = 5, resamples: int = 2000, seed: int = 0
) -> dict[str, object]:
    """Median, minimum and maximum of every figure across conversations, the number of
    conversations and minutes, and a 95 % bootstrap interval for each median where there are at
    least `min_for_interval` conversations (`small_sample` says where there are fewer) and
    `resamples` is not 0."""
    n = len(conversations)
    summary: dict[str, object] = {
        "conversations": n,
        "minutes": float(conversations["minutes"].sum(min_count=1)),
        "first_date": str(conversations["date"].min()) if n else "",
        "last_date": str(conversations["date"].max()) if n else "",
        "small_sample": n < min_for_interval,
    }
    rng = np.random.default_rng(seed)
    for name in (n for n in NAMES if n in conversations.columns):
        values = conversations[name].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        summary[f"{name}_n"] = len(values)
        summary[f"{name}_median"] = float(np.median(values)) if len(values) else math.nan
        summary[f"{name}_min"] = float(values.min()) if len(values) else math.nan
        summary[f"{name}_max"] = float(values.max()) if len(values) else math.nan
        low, high = bootstrap_median(values, resamples, rng) \
            if resamples and len(values) >= min_for_interval else (math.nan, math.nan)  # fmt: skip
        summary[f"{name}_ci_low"], summary[f"{name}_ci_high"] = low, high
    return summary


def bootstrap_median(
    values: np.ndarray, resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles of the median over resamples with replacement.

    The same draws as `rng.choice(values, (resamples, n))` and the same medians as `np.median`
    of them, twice as fast: the draws are sorted as ranks (integers) and mapped to the values."""
    n = len(values)
    ordered = np.sort(values)
    ranks = np.empty(n, dtype=np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    draws = np.sort(ranks[rng.integers(0, n, size=(resamples, n))], axis=1)
    medians = (ordered[draws[:, (n - 1) // 2]] + ordered[draws[:, n // 2]]) / 2
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def summarise_by(conversations: pd.DataFrame, keys: list[str],
                 summary: Callable[..., dict[str, object]] = summarise,
                 **options: object) -> pd.DataFrame:  # fmt: skip
    """`summary` (by default `summarise`) per group of `keys` (e.g. caseworker_id and period),
    one row per group."""
    if conversations.empty:
        return pd.DataFrame(columns=keys)
    rows = [
        {**dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True)),
         **summary(frame, **options)}
        for group, frame in conversations.groupby(keys, sort=True)
    ]  # fmt: skip
    return pd.DataFrame(rows)
