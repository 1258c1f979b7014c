"""Whisper-style JSON: {"segments": [{"start", "end", "speaker", "text"}]} (WhisperX, pyannote).

A bare list of segments is read too. A segment without a speaker continues the previous one.
Locations are segment numbers.
"""

from __future__ import annotations

import json
import math

from pipeline.io.encoding import decode_bytes
from pipeline.io.segments import Problem, ReadResult, Segment, UnreadableFile

LOCATION = "segment"


def read(data: bytes) -> ReadResult:
    text, encoding = decode_bytes(data)
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise UnreadableFile("bad_json", line=error.lineno, error=error.msg) from error
    items = document.get("segments") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise UnreadableFile("bad_json_shape")
    result = ReadResult(encoding=encoding)
    speaker: str | None = None
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            result.problems.append(Problem("bad_segment", number))
            continue
        label = item.get("speaker")
        speaker = str(label).strip() if label not in (None, "") else speaker
        words = " ".join(str(item.get("text") or "").split())
        start, end = _seconds(item.get("start")), _seconds(item.get("end"))
        if not words or (start is not None and end is not None and end < start):
            result.problems.append(Problem("bad_segment", number))
        elif speaker is None:
            result.problems.append(Problem("no_speaker", number))
        else:
            result.segments.append(Segment(speaker, words, number, start, end))
    return result


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None
