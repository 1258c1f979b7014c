"""SubRip (.srt) with the speaker written as "Name: text" at the start of a cue.

The `srt` library parses each blank-line block, so a broken block is reported with its line
and the rest of the file is still read. A cue without a label continues the previous speaker.
"""

from __future__ import annotations

import srt

from pipeline.io.encoding import decode_bytes
from pipeline.io.readers.common import blocks, speaker_labels, speaker_prefix
from pipeline.io.segments import Problem, ReadResult, Segment

LOCATION = "line"


def read(data: bytes) -> ReadResult:
    text, encoding = decode_bytes(data)
    result = ReadResult(encoding=encoding)
    parsed = []
    for first, lines in blocks(text.lstrip("\ufeff")):
        try:
            parsed.extend((first, cue) for cue in srt.parse("\n".join(lines) + "\n"))
        except (srt.SRTParseError, ValueError):
            timing = next((line for line in lines if "-->" in line), None)
            key = "bad_timestamp" if timing else "cue_without_time"
            result.problems.append(Problem(key, first, {"value": timing or ""}))
    labels = speaker_labels(cue.content.split("\n")[0] for _, cue in parsed)
    speaker: str | None = None
    for first, cue in parsed:
        words = " ".join(cue.content.split())
        if (prefix := speaker_prefix(words)) and prefix[0] in labels:
            speaker, words = prefix
        if speaker is None:
            result.problems.append(Problem("no_speaker", first))
        elif words:
            result.segments.append(
                Segment(speaker, words, first, cue.start.total_seconds(), cue.end.total_seconds())
            )
    return result
