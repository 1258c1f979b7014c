"""Content hashes for the caches that let a run skip unchanged work (tags, sheets)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


def digest_files(*roots: Path) -> str:
    """A hash of every file under the given files or folders (names and contents)."""
    digest = hashlib.sha256()
    for root in roots:
        files = sorted(root.rglob("*")) if root.is_dir() else [root] if root.is_file() else []
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class HashedRows:
    """A table's column names and one hash per row: the digests of many selections of its rows
    (each caseworker's, say) then cost no hashing of values."""

    columns: tuple[str, ...]
    hashes: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> HashedRows:
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        return cls(tuple(str(c) for c in frame.columns), hashes)

    def select(self, rows: np.ndarray) -> HashedRows:
        """The rows at the given positions (or boolean mask)."""
        return HashedRows(self.columns, self.hashes[rows])


def digest_values(*values: object) -> str:
    """A hash of tables (their column names and every value) and of JSON-able values."""
    digest = hashlib.sha256()
    for value in values:
        if isinstance(value, pd.DataFrame):
            value = HashedRows.of(value)
        if isinstance(value, HashedRows):
            digest.update(json.dumps(list(value.columns)).encode())
            digest.update(value.hashes.tobytes())
        else:
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()
