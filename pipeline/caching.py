"""Folders of cache entries named by a content hash, so that a run redoes only what changed.

Entries carry transcript text: after a run a folder keeps only the entries that run used, and
`batch.cache: false` deletes a folder's entries and works in a scratch folder instead.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
from pyarrow import feather


@contextmanager
def cache_folder(folder: Path, keep: bool) -> Iterator[Path]:
    """The cache folder; with `keep` false a scratch folder beside it (where workers that see
    the output folder see it too), deleted after the run, and the entries of earlier runs
    deleted. The folder itself always exists afterwards, as DVC expects of a stage's output."""
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    if keep:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}-", dir=folder.parent) as scratch:
        yield Path(scratch)


def write_arrow(table: pa.Table, path: Path) -> None:
    """Write an entry through a temporary file, so that a broken run never leaves half of one."""
    part = path.with_name(f"{path.name}.part")
    feather.write_feather(table, part, compression="uncompressed")
    part.replace(path)


def write_bytes(data: bytes, path: Path) -> None:
    """Like `write_arrow`, for bytes."""
    part = path.with_name(f"{path.name}.part")
    part.write_bytes(data)
    part.replace(path)


def prune(folder: Path, keys: set[str]) -> int:
    """Delete every entry (`<key>.<suffix>`) whose key is not in `keys`; returns how many keys
    lost their entries."""
    removed = set()
    for path in folder.iterdir() if folder.is_dir() else []:
        key = path.name.split(".", 1)[0]
        if key not in keys:
            path.unlink()
            removed.add(key)
    return len(removed)
