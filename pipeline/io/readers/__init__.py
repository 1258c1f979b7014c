"""One reader per transcript format; `read_file` picks the right one by extension and content."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.io.readers import (
    docx_reader,
    srt_reader,
    table_reader,
    text_reader,
    webvtt_reader,
    whisper_json,
)
from pipeline.io.segments import ReadResult, UnreadableFile


@dataclass(frozen=True)
class Format:
    name: str
    read: Callable[[bytes], ReadResult]
    location: str  # what a location number counts: line, paragraph, row or segment


FORMATS = {
    "webvtt": Format("webvtt", webvtt_reader.read, webvtt_reader.LOCATION),
    "srt": Format("srt", srt_reader.read, srt_reader.LOCATION),
    "text": Format("text", text_reader.read, text_reader.LOCATION),
    "json": Format("json", whisper_json.read, whisper_json.LOCATION),
    "docx": Format("docx", docx_reader.read, docx_reader.LOCATION),
    "csv": Format("csv", table_reader.read_csv, table_reader.LOCATION),
    "tsv": Format("tsv", table_reader.read_tsv, table_reader.LOCATION),
    "parquet": Format("parquet", table_reader.read_parquet, table_reader.PARQUET_LOCATION),
}
_BY_EXTENSION = {
    ".vtt": "webvtt",
    ".srt": "srt",
    ".txt": "text",
    ".json": "json",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
TABLE_FORMATS = {"csv", "tsv", "parquet"}
_SRT_START = re.compile(rb"^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def detect_format(path: Path, head: bytes) -> Format | None:
    """The format of a file by its content first (a Teams VTT saved as .txt), then extension."""
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"WEBVTT"):
        return FORMATS["webvtt"]
    if _SRT_START.match(stripped):
        return FORMATS["srt"]
    if head.startswith(b"PAR1"):
        return FORMATS["parquet"]
    name = _BY_EXTENSION.get(path.suffix.lower())
    return FORMATS[name] if name else None


def read_file(path: Path) -> tuple[Format, ReadResult]:
    """Read one transcript file. Raises UnreadableFile (and nothing else) when it cannot."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile("read_error", error=error.strerror or type(error).__name__) from error
    fmt = detect_format(path, data[:512])
    if fmt is None:
        raise UnreadableFile("unknown_format")
    try:
        result = fmt.read(data)
        if not result.segments:
            raise UnreadableFile("no_speakers")
    except UnreadableFile as error:
        error.location = fmt.location
        raise
    except Exception as error:  # a reader bug must not stop the batch; say what happened
        unreadable = UnreadableFile("read_error", error=f"{type(error).__name__}: {error}")
        unreadable.location = fmt.location
        raise unreadable from error
    return fmt, result
