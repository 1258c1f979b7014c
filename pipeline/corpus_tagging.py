"""Tag a corpus of any size on parallel workers, re-tagging only the conversations that changed.

The turn table is read conversation by conversation. Conversations the cache does not know
(pipeline/tag_cache.py) are tagged in chunks of `batch.chunk_conversations` on joblib worker
processes (`batch.workers`, default all cores) or on a Dask cluster (`batch.executor: dask`,
`batch.scheduler: tcp://host:8786`); each worker loads the language pack and the models once.
The turn and unit tables are then written from the cache chunk by chunk, in the input's order,
so memory holds a few chunks whatever the size of the corpus.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from joblib import Parallel, delayed, parallel_config

from pipeline.config import Config
from pipeline.io.chunks import ChunkWriter, read_conversations
from pipeline.tag_cache import TagCache
from pipeline.taggers.tagger import Tagger
from pipeline.tagging import output_schemas, tag_table

CHUNKS_PER_WORKER = 2  # chunks handed out per worker at a time; bounds what waits in memory
EXECUTORS = ("joblib", "dask")


@dataclass(frozen=True)
class BatchSettings:
    workers: int
    executor: str
    scheduler: str | None
    chunk_conversations: int
    cache: bool

    @classmethod
    def of(cls, config: Config) -> BatchSettings:
        workers = config.get("batch.workers")
        executor = str(config.get("batch.executor", "joblib"))
        if executor not in EXECUTORS:
            raise ValueError(f"batch.executor: {executor!r} (one of {', '.join(EXECUTORS)})")
        scheduler = config.get("batch.scheduler")
        return cls(workers=int(workers) if workers else len(os.sched_getaffinity(0)),
                   executor=executor, scheduler=str(scheduler) if scheduler else None,
                   chunk_conversations=max(1, int(config.get("batch.chunk_conversations", 100))),
                   cache=bool(config.get("batch.cache", True)))  # fmt: skip


@dataclass
class TagCounts:
    turns: int = 0
    units: int = 0
    tagged: int = 0  # conversations tagged in this run
    cached: int = 0  # conversations taken from the cache
    dropped: int = 0  # cache entries deleted (conversations withdrawn, changed or gone)


def tag_corpus(source: Path, turns_out: Path, units_out: Path | None, config: Config,
               backend: str | None = None, csv: bool = False) -> TagCounts:  # fmt: skip
    """Tag the turn table `source` (Parquet, each conversation's rows together) into
    `turns_out` and `units_out` (and CSV beside them with `csv`). The cache lives in
    `cache/tags/` beside `turns_out`."""
    backend = backend or str(config.get("tagger.backend", "model"))
    settings = BatchSettings.of(config)
    schemas = output_schemas(pq.read_schema(source))
    with _cache_folder(turns_out.parent / "cache" / "tags", settings.cache) as folder:
        cache, counts, keys = TagCache(folder, config, backend), TagCounts(), []
        wave = settings.chunk_conversations * settings.workers * CHUNKS_PER_WORKER
        with _parallel(settings) as parallel:
            pending: list[tuple[str, pd.DataFrame]] = []
            for conversation in read_conversations(source):
                keys.append(key := cache.key(conversation))
                if not cache.has(key):
                    pending.append((key, conversation))
                if len(pending) >= wave:
                    counts.tagged += _tag_pending(parallel, pending, cache, config, backend,
                                                  schemas, settings)  # fmt: skip
                    pending = []
            counts.tagged += _tag_pending(parallel, pending, cache, config, backend, schemas,
                                          settings)  # fmt: skip
        counts.cached = len(keys) - counts.tagged
        with (_writer(turns_out, schemas[0], csv) as turns,
              _writer(units_out, schemas[1], csv) as units):  # fmt: skip
            for group in _batched(keys, settings.chunk_conversations):
                parts = [cache.read(key) for key in group]
                for writer, index in ((turns, 0), (units, 1)):
                    if writer is not None:
                        writer.write(pa.concat_tables([part[index] for part in parts]))
            counts.turns = turns.rows if turns else 0
            counts.units = units.rows if units else 0
        counts.dropped = cache.keep_only(set(keys))
    return counts


def tag_chunk(frame: pd.DataFrame, params: dict, config_dir: str,
              backend: str) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Tag one chunk on a worker, with the worker's own taggers (loaded once per process)."""
    config = Config(params, Path(config_dir))
    key = json.dumps([params, config_dir, backend], sort_keys=True, default=str)
    taggers = _WORKER_TAGGERS.setdefault(key, {})
    return tag_table(frame, config, backend=backend, taggers=taggers)


_WORKER_TAGGERS: dict[str, dict[str, Tagger]] = {}


def _tag_pending(parallel: Parallel, pending: list[tuple[str, pd.DataFrame]], cache: TagCache,
                 config: Config, backend: str, schemas: tuple,
                 settings: BatchSettings) -> int:  # fmt: skip
    """Tag the pending conversations in chunks on the workers; store each in the cache."""
    # at least two chunks per worker, so that no worker waits long for the last one
    size = min(settings.chunk_conversations, -(-len(pending) // (2 * settings.workers)))
    chunks = _batched(pending, max(size, 1))
    params = _portable(config.params)
    folder = str(config.config_dir.resolve())
    work = [(pd.concat([c for _, c in chunk], ignore_index=True), params, folder, backend)
            for chunk in chunks]  # fmt: skip
    # one chunk (a monthly run's few new conversations) is tagged here: starting workers and
    # loading the models on each would take longer than the work
    results = [tag_chunk(*work[0])] if len(work) == 1 else parallel(
        delayed(tag_chunk)(*arguments) for arguments in work)  # fmt: skip
    for chunk, (turns, units) in zip(chunks, results, strict=True):
        turns_of = dict(tuple(turns.groupby("conversation_id", sort=False)))
        units_of = dict(tuple(units.groupby("conversation_id", sort=False))) if len(units) else {}
        for key, conversation in chunk:
            conversation_id = conversation["conversation_id"].iat[0]
            cache.write(key, turns_of[conversation_id],
                        units_of.get(conversation_id, units.iloc[0:0]), schemas)  # fmt: skip
    return len(pending)


def _portable(params: dict) -> dict:
    """Params with the models folder as an absolute path, for workers elsewhere."""
    paths = dict(params.get("paths") or {})
    paths["models"] = str(Path(str(paths.get("models", "models"))).resolve())
    return {**params, "paths": paths}


@contextmanager
def _parallel(settings: BatchSettings) -> Iterator[Parallel]:
    if settings.executor == "dask":
        from dask.distributed import Client  # pip install ".[dask]"

        with (Client(settings.scheduler) as _, parallel_config(backend="dask"),
              Parallel(n_jobs=-1) as parallel):  # fmt: skip
            yield parallel
    else:
        with Parallel(n_jobs=settings.workers) as parallel:
            yield parallel


@contextmanager
def _cache_folder(folder: Path, keep: bool) -> Iterator[Path]:
    """The cache folder; with `batch.cache: false` a scratch folder deleted after the run (and
    the entries of earlier runs deleted: they carry transcript text). The folder itself always
    exists afterwards, as DVC expects of a stage's output."""
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    if keep:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="samtalespejl-tags-") as scratch:
        yield Path(scratch)


@contextmanager
def _writer(path: Path | None, schema: pa.Schema, csv: bool) -> Iterator[ChunkWriter | None]:
    """A chunk writer for `path` (and the CSV beside it with `csv`); None without a path."""
    if path is None:
        yield None
        return
    with ChunkWriter(path, schema, path.with_suffix(".csv") if csv else None) as writer:
        yield writer


def _batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
