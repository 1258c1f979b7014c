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
    seen: set[str] = set()
    carry: pd.DataFrame | None = None
    table = pq.ParquetFile(path)
    if columns is not None:
        columns = [c for c in table.schema_arrow.names if c in {"conversation_id", *columns}]
    for batch in table.iter_batches(batch_size=rows, columns=columns):
        frame = batch.to_pandas()
        if carry is not None:
            frame = pd.concat([carry, frame], ignore_index=True)
        ids = frame["conversation_id"].astype(str).to_numpy()
        cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
        for begin, end in pairwise(cuts[:-1]):
            yield _checked(frame.iloc[begin:end].reset_index(drop=True), seen, path)
        carry = frame.iloc[cuts[-2] :].reset_index(drop=True)
    if carry is not None and len(carry):
        yield _checked(carry, seen, path)


def read_conversation_pairs(
    first: Path, second: Path, conversations: int,
    columns: tuple[list[str], list[str]] | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:  # fmt: skip
    """Chunks of `conversations` conversations from two tables in the same conversation order
    (turns and units; all columns or the given ones of each); a conversation missing from
    `second` gets no rows there."""
    first_columns, second_columns = columns or (None, None)
    seconds = read_conversations(second, columns=second_columns)
    empty = pq.read_schema(second).empty_table().to_pandas()
    if second_columns is not None:
        empty = empty[[c for c in empty.columns if c in {"conversation_id", *second_columns}]]
    waiting = next(seconds, None)
    chunk: list[pd.DataFrame] = []
    matched: list[pd.DataFrame] = []
    for conversation in read_conversations(first, columns=first_columns):
        chunk.append(conversation)
        if (
            waiting is not None
            and waiting["conversation_id"].iat[0] == conversation["conversation_id"].iat[0]
        ):
            matched.append(waiting)
            waiting = next(seconds, None)
        if len(chunk) == conversations:
            yield (
                pd.concat(chunk, ignore_index=True),
                pd.concat([empty, *matched], ignore_index=True),
            )
            chunk, matched = [], []
    if chunk:
        yield pd.concat(chunk, ignore_index=True), pd.concat([empty, *matched], ignore_index=True)
    if waiting is not None:
        raise NotGrouped(f"{second}: conversation {waiting['conversation_id'].iat[0]} out of order")


def _checked(conversation: pd.DataFrame, seen: set[str], path: Path) -> pd.DataFrame:
    conversation_id = str(conversation["conversation_id"].iat[0])
    if conversation_id in seen:
        raise NotGrouped(f"{path}: conversation {conversation_id}")
    seen.add(conversation_id)
    return conversation


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
