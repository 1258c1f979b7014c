"""Tables too large to hold at once: read them conversation by conversation, write them chunk by
chunk (one Parquet row group and one CSV block per chunk), so memory holds one chunk."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

READ_ROWS = 20_000  # rows read from Parquet at a time


class NotGrouped(ValueError):
    """A conversation's rows are not together in the table (the intake always writes them so)."""


def read_conversations(path: Path, rows: int = READ_ROWS,
                       columns: list[str] | None = None) -> Iterator[pd.DataFrame]:  # fmt: skip
    """Each conversation's rows of a Parquet table whose conversations lie in one block each
    (all columns, or the given ones that the table has)."""
    for _, table in conversation_tables(path, rows, columns):
        yield table.to_pandas()


def conversation_tables(
    path: Path, rows: int = READ_ROWS, columns: list[str] | None = None
) -> Iterator[tuple[str, pa.Table]]:
    """`read_conversations` as Arrow tables (slices of what was read: no copies), each with its
    conversation id, for callers that join many conversations before converting them."""
    seen: set[str] = set()
    carry: pa.Table | None = None
    file = pq.ParquetFile(path)
    if columns is not None:
        columns = [c for c in file.schema_arrow.names if c in {"conversation_id", *columns}]
    for batch in file.iter_batches(batch_size=rows, columns=columns):
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table])
        ids = table.column("conversation_id").to_numpy(zero_copy_only=False).astype(str)
        cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
        for begin, end in pairwise(cuts[:-1]):
            yield _checked(ids[begin], table.slice(begin, end - begin), seen, path)
        carry = table.slice(cuts[-2])
    if carry is not None and carry.num_rows:
        yield _checked(str(carry.column("conversation_id")[0].as_py()), carry, seen, path)


def read_conversation_pairs(
    first: Path, second: Path, conversations: int,
    columns: tuple[list[str], list[str]] | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:  # fmt: skip
    """Chunks of `conversations` conversations from two tables in the same conversation order
    (turns and units; all columns or the given ones of each); a conversation missing from
    `second` gets no rows there."""
    first_columns, second_columns = columns or (None, None)
    seconds = conversation_tables(second, columns=second_columns)
    empty = pq.read_schema(second).empty_table()
    if second_columns is not None:
        empty = empty.select([c for c in empty.column_names
                              if c in {"conversation_id", *second_columns}])  # fmt: skip
    waiting = next(seconds, None)
    chunk: list[pa.Table] = []
    matched: list[pa.Table] = [empty]
    for conversation_id, conversation in conversation_tables(first, columns=first_columns):
        chunk.append(conversation)
        if waiting is not None and waiting[0] == conversation_id:
            matched.append(waiting[1])
            waiting = next(seconds, None)
        if len(chunk) == conversations:
            yield _frame(chunk), _frame(matched)
            chunk, matched = [], [empty]
    if chunk:
        yield _frame(chunk), _frame(matched)
    if waiting is not None:
        raise NotGrouped(f"{second}: conversation {waiting[0]} out of order")


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    return pa.concat_tables(tables).to_pandas()


def _checked(conversation_id: str, table: pa.Table, seen: set[str],
             path: Path) -> tuple[str, pa.Table]:  # fmt: skip
    if conversation_id in seen:
        raise NotGrouped(f"{path}: conversation {conversation_id}")
    seen.add(conversation_id)
    return conversation_id, table


class ChunkWriter:
    """Writes a Parquet file (and, if given, a CSV file in UTF-8 with BOM for Excel) chunk by
    chunk, all chunks cast to one schema, so a column empty in one chunk keeps its type."""

    def __init__(self, parquet: Path, schema: pa.Schema, csv: Path | None = None) -> None:
        parquet.parent.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.parquet = pq.ParquetWriter(parquet, schema)
        self.csv = csv.open("wb") if csv else None
        if self.csv is not None:  # the header even without rows, for the people who open it
            header = pd.DataFrame(columns=schema.names).to_csv(index=False)
            self.csv.write(codecs.BOM_UTF8 + header.encode())
        self.rows = 0

    def write(self, rows: pd.DataFrame | pa.Table, csv: bytes | None = None) -> None:
        """Write a chunk; `csv` is its rows already formatted by `csv_rows` (as cached)."""
        table = rows if isinstance(rows, pa.Table) else table_of(
            rows.reindex(columns=self.schema.names), self.schema)  # fmt: skip
        self.parquet.write_table(table)
        if self.csv is not None:
            self.csv.write(csv_rows(table) if csv is None else csv)
        self.rows += table.num_rows

    def close(self) -> None:
        if self.csv is not None:
            self.csv.close()
        self.parquet.close()

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self.close()


def csv_rows(table: pa.Table) -> bytes:
    """A table's rows as CSV (no header), as the CSV outputs write them."""
    return table.to_pandas().to_csv(index=False, header=False).encode()


def table_of(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
