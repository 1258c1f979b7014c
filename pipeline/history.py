"""The history of figures: every analysed conversation's figures, without any text, kept across
runs so that trends survive when old transcripts are deleted after the retention period.

A run replaces the rows of the conversations it analysed, keeps the others, and drops every
conversation that was withdrawn (consent or anonymisation now "no", or its file removed while
its manifest row stays). A conversation whose file and manifest row were both deleted after the
retention period stays in the history.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

KEYS = ["conversation_id", "caseworker_id", "date", "language", "unit", "meeting_type"]


def figures_only(conversations: pd.DataFrame) -> pd.DataFrame:
    """The keys and the numeric figures: no text, no file names, no derived period."""
    numeric = [c for c in conversations.columns
               if c not in KEYS and pd.api.types.is_numeric_dtype(conversations[c])]  # fmt: skip
    keys = [c for c in KEYS if c in conversations.columns]
    return conversations[keys].join(conversations[numeric].round(6))


def read_history(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=KEYS)
    return pd.read_csv(path, dtype={key: str for key in KEYS}, keep_default_na=False,
                       na_values=[""])  # fmt: skip


def update_history(path: Path, current: pd.DataFrame, withdrawn: set[str]) -> pd.DataFrame:
    """Write and return the history after this run; `current` are the conversations it analysed."""
    old = read_history(path)
    gone = withdrawn | set(current["conversation_id"].astype(str))
    kept = old[~old["conversation_id"].astype(str).isin(gone)]
    fresh = figures_only(current)
    parts = [frame for frame in (kept, fresh) if not frame.empty]
    history = pd.concat(parts, ignore_index=True) if parts else fresh
    history = history.sort_values(["date", "conversation_id"], kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    history.to_csv(path, index=False)
    return history.reset_index(drop=True)


def withdrawn_conversations(intake: pd.DataFrame) -> set[str]:
    """The conversation ids intake.csv marks as withdrawn."""
    if "withdrawn" not in intake.columns:
        return set()
    flagged = intake["withdrawn"].astype(str).str.lower().isin(["true", "1"])
    return set(intake.loc[flagged, "conversation_id"].astype(str)) - {""}
