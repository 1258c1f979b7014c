"""Turn tables: CSV, TSV or Parquet with `conversation_id`, `speaker` or `role`, `text`.

Optional columns `start`, `end`. One table may hold many conversations. CSV delimiters
(comma, semicolon as Danish Excel writes, tab) are sniffed. Locations are CSV lines or
Parquet rows (counted from 1, the header not counted).
"""

from __future__ import annotations

import csv
import io
import math

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io.encoding import decode_bytes
from pipeline.io.readers.common import parse_timecode
from pipeline.io.segments import Problem, ReadResult, Segment, UnreadableFile

LOCATION = "line"
PARQUET_LOCATION = "row"
ROLES = ("caseworker", "citizen", "other")


def read_csv(data: bytes, delimiter: str | None = None) -> ReadResult:
    text, encoding = decode_bytes(data)
    text = text.lstrip("\ufeff")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
        rows = []
        line = reader.line_num
        for values in reader:
            rows.append((line + 1, dict(zip(header, values, strict=False))))
            line = reader.line_num
    except csv.Error as error:
        raise UnreadableFile("read_error", line=reader.line_num, error=str(error)) from error
    result = _read_rows(header, rows)
    result.encoding = encoding
    return result


def read_tsv(data: bytes) -> ReadResult:
    return read_csv(data, delimiter="\t")


def read_parquet(data: bytes) -> ReadResult:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as error:
        raise UnreadableFile("bad_parquet", error=type(error).__name__) from error
    rows = [(number, row) for number, row in enumerate(table.to_pylist(), start=1)]
    result = _read_rows(table.column_names, rows)
    result.encoding = "parquet"
    return result


def _read_rows(header: list[str], rows: list[tuple[int, dict]]) -> ReadResult:
    missing = [name for name in ("conversation_id", "text") if name not in header]
    if "speaker" not in header and "role" not in header:
        missing.append("speaker/role")
    if missing:
        raise UnreadableFile("bad_table", line=1, columns=", ".join(missing))
    result = ReadResult()
    for number, row in rows:
        conversation = _clean(row.get("conversation_id"))
        words = " ".join(_clean(row.get("text")).split())
        role = _clean(row.get("role")).lower() or None
        speaker = _clean(row.get("speaker")) or role
        where = {"conversation_id": conversation}
        if not conversation or not words or not speaker:
            result.problems.append(Problem("bad_row", number, where))
        elif role is not None and role not in ROLES:
            result.problems.append(Problem("bad_role", number, {**where, "value": role}))
        else:
            result.segments.append(
                Segment(
                    speaker,
                    words,
                    number,
                    _seconds(row.get("start")),
                    _seconds(row.get("end")),
                    conversation_id=conversation,
                    role=role,
                )
            )
    return result


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _seconds(value: object) -> float | None:
    text = _clean(value).replace(",", ".")
    try:
        seconds = float(text)
    except ValueError:
        return parse_timecode(text) if text else None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
