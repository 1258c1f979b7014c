"""Content hashes for the caches that let a run skip unchanged work (tags, sheets)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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


def digest_values(*values: object) -> str:
    """A hash of tables (their column names and every value) and of JSON-able values."""
    digest = hashlib.sha256()
    for value in values:
        if isinstance(value, pd.DataFrame):
            digest.update(json.dumps([str(c) for c in value.columns]).encode())
            digest.update(pd.util.hash_pandas_object(value, index=False).to_numpy().tobytes())
        else:
            digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()
