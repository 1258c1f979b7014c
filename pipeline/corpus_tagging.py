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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from joblib import Parallel, delayed, parallel_config
from joblib.externals.loky import get_reusable_executor

from pipeline.caching import cache_folder
from pipeline.config import Config
from pipeline.io.chunks import ChunkWriter, conversation_tables, table_of
from pipeline.tag_cache import Entry, TagCache
from pipeline.tagging import output_schemas, tag_table

# results as soon as they are done, one chunk per task, at most two chunks waiting per worker
STREAM = {"return_as": "generator_unordered", "batch_size": 1, "pre_dispatch": "2 * n_jobs"}
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
    with cache_folder(turns_out.parent / "cache" / "tags", settings.cache) as folder:
        cache = TagCache(folder, config, backend)
        keys = cache.keys(source)
        pending = {key for key in keys if not cache.has(key)}
        _tag_pending(source, keys, pending, cache, config, backend, schemas, settings)
        counts = TagCounts(tagged=len(pending), cached=len(keys) - len(pending))
        with (_writer(turns_out, schemas[0], csv) as turns,
              _writer(units_out, schemas[1], csv) as units):  # fmt: skip
            for group in _chunks(iter(keys), settings.chunk_conversations):
                entries = [cache.read(key) for key in group]
                for writer, index in ((turns, 0), (units, 1)):
                    if writer is not None:
                        writer.write(pa.concat_tables([e.tables[index] for e in entries]),
                                     b"".join(e.csv[index] for e in entries))  # fmt: skip
            counts.turns = turns.rows if turns else 0
            counts.units = units.rows if units else 0
        counts.dropped = cache.keep_only(set(keys))
    return counts


def tag_chunk(frame: pd.DataFrame, params: dict, config_dir: str, backend: str,
              keys: dict[str, str], schemas: tuple[pa.Schema, pa.Schema],
              cache_dir: str) -> int:  # fmt: skip
    """Tag one chunk on a worker, with the worker's own taggers (loaded once per process), and
    write each conversation's entry (`keys`: conversation id -> cache key) into the cache folder
    `cache_dir`, so that only a count travels back; returns the conversations written."""
    config = Config(params, Path(config_dir))
    key = json.dumps([params, config_dir, backend], sort_keys=True, default=str)
    taggers = _WORKER_TAGGERS.setdefault(key, {})
    turns, units = (table_of(table.reindex(columns=schema.names), schema) for table, schema in
                    zip(tag_table(frame, config, backend=backend, taggers=taggers), schemas,
                        strict=True))  # fmt: skip
    entries = Entry.per_conversation(turns, units)
    cache = TagCache(Path(cache_dir), config, backend)
    for conversation_id, cache_key in keys.items():
        cache.write(cache_key, entries[conversation_id])
    return len(keys)


_WORKER_TAGGERS: dict[str, dict] = {}  # per process: the taggers of each configuration


def _tag_pending(source: Path, keys: list[str], pending: set[str], cache: TagCache,
                 config: Config, backend: str, schemas: tuple,
                 settings: BatchSettings) -> None:  # fmt: skip
    """Tag the pending conversations in chunks, each worker writing its chunk's entries into the
    cache. The chunks stream to the workers: a few wait per worker."""
    if not pending:
        return
    # at least two chunks per worker, so that no worker waits long for the last one
    size = max(1, min(settings.chunk_conversations, -(-len(pending) // (2 * settings.workers))))
    params, folder = _portable(config.params), str(config.config_dir.resolve())
    cache_dir = str(cache.folder.resolve())
    conversations = ((key, c) for key, c in zip(keys, conversation_tables(source), strict=True)
                     if key in pending)  # fmt: skip
    work = ((pa.concat_tables([table for _, (_, table) in chunk]).to_pandas(), params, folder,
             backend, {conversation_id: key for key, (conversation_id, _) in chunk}, schemas,
             cache_dir) for chunk in _chunks(conversations, size))  # fmt: skip
    if len(pending) <= size:  # one chunk (a monthly run's few new conversations) is tagged here:
        # starting workers and loading the models on each would take longer than the work
        for arguments in work:
            tag_chunk(*arguments)
        return
    with _parallel(settings) as parallel:
        for _ in parallel(delayed(tag_chunk)(*arguments) for arguments in work):
            pass  # each worker writes its chunk's entries itself


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
              Parallel(n_jobs=-1, **STREAM) as parallel):  # fmt: skip
            yield parallel
    else:
        with Parallel(n_jobs=settings.workers, **STREAM) as parallel:
            yield parallel
        if settings.workers > 1:  # loky keeps idle workers, each holding its models (~450 MB),
            get_reusable_executor().shutdown(wait=True)  # through the stages that follow


@contextmanager
def _writer(path: Path | None, schema: pa.Schema, csv: bool) -> Iterator[ChunkWriter | None]:
    """A chunk writer for `path` (and the CSV beside it with `csv`); None without a path."""
    if path is None:
        yield None
        return
    with ChunkWriter(path, schema, path.with_suffix(".csv") if csv else None) as writer:
        yield writer


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter) from an iterator, read as they are needed."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
