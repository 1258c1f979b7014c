"""Figures per conversation and summaries of groups of conversations, kept between runs, so
that a run computes the figures of only the conversations whose turns or tags changed, and
summarises (bootstraps) only the groups whose figures changed.

`FiguresCache` is one table (`out/cache/figures.parquet`): a key per conversation and its
figures. The key is a hash of the conversation's turn and unit rows (the columns the figures are
made from) and of the code that computes the figures. After a run the table holds only the
conversations of that run. `SummaryCache` (`out/cache/summaries.json`, figures only) keys each
summary by a hash of the group's rows, the summary settings and the same code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from pipeline.aggregation import conversation_figures, summarise, summarise_by
from pipeline.digest import HashedRows, digest_files, digest_values

_FIGURES_CODE = ("aggregation.py", "speaker_share.py", "figures.py")


def _figures_code() -> str:
    """A hash of the code that computes figures and summaries: a change to it empties both."""
    return digest_files(*(Path(__file__).parent / p for p in _FIGURES_CODE))


class FiguresCache:
    def __init__(self, path: Path, keep: bool) -> None:
        self.path, self.keep = path, keep
        self._code = _figures_code()
        known = pd.read_parquet(path) if keep and path.is_file() else pd.DataFrame({"key": []})
        self._known = known.set_index("key")
        self._used: list[pd.DataFrame] = []

    def figures(self, turns: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
        """`conversation_figures` of the conversations in `turns` and `units`, from the cache
        where their rows have not changed."""
        keys = self._keys(turns, units)
        new = [c for c, key in keys.items() if key not in self._known.index]
        computed = conversation_figures(turns[turns["conversation_id"].isin(new)],
                                        units[units["conversation_id"].isin(new)]) if new else (
            pd.DataFrame())  # fmt: skip
        computed.index = [keys[c] for c in computed.get("conversation_id", [])]
        found = self._known.loc[[key for key in keys.values() if key not in computed.index]]
        figures = pd.concat([found, computed]).loc[list(keys.values())]
        self._used.append(figures)
        return figures.reset_index(drop=True)

    def save(self) -> None:
        """Keep the figures of this run's conversations only (or none without `keep`)."""
        if not self.keep:
            self.path.unlink(missing_ok=True)
            return
        used = pd.concat(self._used) if self._used else self._known.iloc[0:0]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        used.rename_axis("key").reset_index().to_parquet(self.path, index=False)

    def _keys(self, turns: pd.DataFrame, units: pd.DataFrame) -> dict[str, str]:
        """Conversation id: a hash of its turn and unit rows, in the order of `turns`."""
        hashes = [pd.util.hash_pandas_object(t, index=False).to_numpy() for t in (turns, units)]
        positions = [t.groupby("conversation_id", sort=False).indices if len(t) else {}
                     for t in (turns, units)]  # fmt: skip
        columns = repr([list(turns.columns), list(units.columns)])
        keys = {}
        for conversation_id in positions[0]:
            digest = hashlib.sha256(f"{self._code}{columns}".encode())
            for rows, at in zip(hashes, positions, strict=True):
                digest.update(rows[at.get(conversation_id, [])].tobytes())
            keys[str(conversation_id)] = digest.hexdigest()[:40]
        return keys


class SummaryCache:
    def __init__(self, path: Path, keep: bool) -> None:
        self.path, self.keep = path, keep
        self._code = _figures_code()
        self._known: dict[str, dict] = (json.loads(path.read_text()) if keep and path.is_file()
                                        else {})  # fmt: skip
        self._used: dict[str, dict] = {}

    def summarise_by(self, conversations: pd.DataFrame, keys: list[str],
                     **options: int) -> pd.DataFrame:  # fmt: skip
        """`summarise_by(conversations, keys, **options)`, from the cache for each group whose
        rows are the same (the rows are hashed once, not group by group)."""
        conversations = conversations.reset_index(drop=True)
        rows = HashedRows.of(conversations)

        def summary(group: pd.DataFrame, **options: int) -> dict[str, object]:
            key = digest_values(self._code, options, rows.select(group.index.to_numpy()))
            if key not in self._used:
                self._used[key] = self._known.get(key) or summarise(group, **options)
            return dict(self._used[key])

        return summarise_by(conversations, keys, summary, **options)

    def save(self) -> None:
        """Keep the summaries of this run only (or none without `keep`)."""
        if not self.keep:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self._used) + "\n")
