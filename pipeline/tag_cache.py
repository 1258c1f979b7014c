"""A cache of tagged conversations, so that a run re-tags only what changed.

An entry holds the turn and unit rows of one conversation, as Arrow tables and as CSV rows, so
that writing the outputs is copying. Its key is a hash of everything the
tags depend on: the conversation's rows (its text and its manifest columns), the models of its
language, the lexicon, the tagger parameters and the tagging code itself. After a run the cache
keeps exactly the entries the run used, so a conversation that is withdrawn, changed or deleted
loses its entry: entries carry transcript text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import feather

from pipeline.caching import prune, write_arrow, write_bytes
from pipeline.config import Config
from pipeline.digest import digest_files
from pipeline.io.chunks import READ_ROWS, NotGrouped, csv_rows

_TAGGING_CODE = ("nlp", "taggers", "tagging.py")
# Arrow IPC (read ten times faster than Parquet) and the same rows as CSV, ready to copy
_TABLES = (".turns.arrow", ".units.arrow")
_CSV = (".turns.csv", ".units.csv")


@dataclass
class Entry:
    """One conversation's tags: its turn and unit rows as Arrow tables and as CSV rows."""

    tables: tuple[pa.Table, pa.Table]
    csv: tuple[bytes, bytes]

    @classmethod
    def per_conversation(cls, turns: pa.Table, units: pa.Table) -> dict[str, Entry]:
        """The entry of each conversation in tagged turn and unit tables (rows in conversation
        order, as `tag_table` keeps them); a conversation without units gets none."""
        csv = csv_rows(turns), csv_rows(units)
        turn_blocks, unit_blocks = _blocks(turns, csv[0]), _blocks(units, csv[1])
        empty = (units.slice(0, 0), b"")
        return {conversation_id: cls((table, unit_blocks.get(conversation_id, empty)[0]),
                                     (rows, unit_blocks.get(conversation_id, empty)[1]))
                for conversation_id, (table, rows) in turn_blocks.items()}  # fmt: skip


def _blocks(table: pa.Table, csv: bytes) -> dict[str, tuple[pa.Table, bytes]]:
    """Each conversation's rows as a table (a slice: no copy) and as CSV rows, cut from the
    whole table's CSV (formatted per conversation only where a value holds a line break)."""
    ids = table.column("conversation_id").to_numpy(zero_copy_only=False).astype(str)
    if not len(ids):
        return {}
    cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
    lines = csv.splitlines(keepends=True)
    blocks = {}
    for begin, end in pairwise(cuts):
        if ids[begin] in blocks:
            raise NotGrouped(f"tagged rows: conversation {ids[begin]}")
        part = table.slice(begin, end - begin)
        rows = b"".join(lines[begin:end]) if len(lines) == len(ids) else csv_rows(part)
        blocks[str(ids[begin])] = (part, rows)
    return blocks


class TagCache:
    def __init__(self, folder: Path, config: Config, backend: str) -> None:
        self.folder = folder
        self.config = config
        self.backend = backend
        self._fingerprints: dict[str, str] = {}

    def keys(self, source: Path) -> list[str]:
        """The key of each conversation of a turn table, in order: a hash of its rows (text and
        manifest columns) and of what tagging its language depends on. One pass over the table,
        hashed in batches; memory holds a number per row."""
        hashes, ids, languages = [], [], []
        for batch in pq.ParquetFile(source).iter_batches(batch_size=READ_ROWS):
            frame = batch.to_pandas()
            hashes.append(pd.util.hash_pandas_object(frame, index=False).to_numpy())
            ids.append(frame["conversation_id"].astype(str).to_numpy())
            languages.append(frame["language"].astype(str).to_numpy() if "language" in frame
                             else np.full(len(frame), ""))  # fmt: skip
        if not ids:
            return []
        row_hashes, row_ids, row_languages = (np.concatenate(a) for a in (hashes, ids, languages))
        cuts = [0, *(np.flatnonzero(row_ids[1:] != row_ids[:-1]) + 1).tolist(), len(row_ids)]
        columns = json.dumps(pq.read_schema(source).names).encode()
        keys, seen = [], set()
        for begin, end in pairwise(cuts):
            if (conversation_id := row_ids[begin]) in seen:
                raise NotGrouped(f"{source}: conversation {conversation_id}")
            seen.add(conversation_id)
            digest = hashlib.sha256(columns)
            for lang in sorted(set(row_languages[begin:end])):
                digest.update(self._fingerprint(lang).encode())
            digest.update(row_hashes[begin:end].tobytes())
            keys.append(digest.hexdigest()[:40])
        return keys

    def read(self, key: str) -> Entry:
        turns, units = (feather.read_table(self.folder / f"{key}{suffix}") for suffix in _TABLES)
        csv = tuple((self.folder / f"{key}{suffix}").read_bytes() for suffix in _CSV)
        return Entry((turns, units), csv)  # type: ignore[arg-type]

    def has(self, key: str) -> bool:
        return all((self.folder / f"{key}{suffix}").is_file() for suffix in _TABLES + _CSV)

    def write(self, key: str, entry: Entry) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for table, suffix in zip(entry.tables, _TABLES, strict=True):
            write_arrow(table, self.folder / f"{key}{suffix}")
        for rows, suffix in zip(entry.csv, _CSV, strict=True):
            write_bytes(rows, self.folder / f"{key}{suffix}")

    def keep_only(self, keys: set[str]) -> int:
        """Delete every entry not in `keys`; returns how many conversations lost theirs."""
        return prune(self.folder, keys)

    def _fingerprint(self, lang: str) -> str:
        if lang not in self._fingerprints:
            models = Path(str(self.config.get("paths.models", "models"))) / lang
            parts = {
                "backend": self.backend,
                "transformer": self.config.get("tagger.transformer"),
                "lexicon": self.config.lexicon(lang) if lang else {},
                "models": digest_files(models),  # the rules read their calibration there
                "code": digest_files(*(Path(__file__).parent / p for p in _TAGGING_CODE)),
            }  # fmt: skip
            text = json.dumps(parts, sort_keys=True, default=str)
            self._fingerprints[lang] = hashlib.sha256(text.encode()).hexdigest()
        return self._fingerprints[lang]
