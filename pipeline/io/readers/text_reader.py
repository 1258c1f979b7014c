"""Plain text: "Name: text" per line, with or without "[hh:mm:ss]" / "hh:mm:ss" prefixes."""

from __future__ import annotations

from pipeline.io.encoding import decode_bytes
from pipeline.io.readers.lines import read_lines
from pipeline.io.segments import ReadResult

LOCATION = "line"


def read(data: bytes) -> ReadResult:
    text, encoding = decode_bytes(data)
    numbered = list(enumerate(text.lstrip("\ufeff").split("\n"), start=1))
    result = read_lines(numbered, preamble_is_header=False)
    result.encoding = encoding
    return result
