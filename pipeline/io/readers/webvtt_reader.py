"""WebVTT as Teams and Zoom write it: voice tags, cue ids, multi-line cues, NOTE blocks.

webvtt-py parses each cue (timestamps, tags, voice); the file is split into cues here so a
broken cue is reported with its line and skipped, while the rest of the file is still read
(webvtt-py on its own drops a broken cue without saying so and keeps no line numbers).
"""

from __future__ import annotations

import re

import webvtt
from webvtt.errors import MalformedCaptionError

from pipeline.io.encoding import decode_bytes
from pipeline.io.readers.common import blocks, parse_timecode, speaker_labels, speaker_prefix
from pipeline.io.segments import Problem, ReadResult, Segment, UnreadableFile

LOCATION = "line"
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")
_VOICE_SPLIT = re.compile(r"(?=<v[.\s])")


def read(data: bytes) -> ReadResult:
    text, encoding = decode_bytes(data)
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise UnreadableFile("not_webvtt", line=1)
    result = ReadResult(encoding=encoding)
    cues = [(first, lines) for first, lines in blocks(text) if _is_cue(lines)]
    labels = speaker_labels(line for _, lines in cues for line in lines)
    speaker: str | None = None
    for first, lines in cues:
        for segment_speaker, segment in _read_cue(first, lines, result.problems, labels):
            speaker = segment_speaker or speaker
            if speaker is None:
                result.problems.append(Problem("no_speaker", segment.line))
                continue
            result.segments.append(
                Segment(speaker, segment.text, segment.line, segment.start, segment.end)
            )
    return result


def _is_cue(lines: list[str]) -> bool:
    head = lines[0].strip()
    return not head.startswith("WEBVTT") and head.split(" ")[0] not in _SKIPPED_BLOCKS


def _read_cue(
    first: int, lines: list[str], problems: list[Problem], labels: set[str]
) -> list[tuple[str | None, Segment]]:
    timing_index = next((i for i, line in enumerate(lines) if "-->" in line), None)
    if timing_index is None:
        problems.append(Problem("cue_without_time", first))
        return []
    timing_line = first + timing_index
    identifier = lines[0].strip() if timing_index else None
    start, _, rest = lines[timing_index].partition("-->")
    end, _, settings = rest.strip().partition(" ")
    payload = "\n".join(lines[timing_index + 1 :])
    pieces = []
    for part in _VOICE_SPLIT.split(payload):
        if not part.strip():
            continue
        try:
            caption = webvtt.Caption(
                start.strip(), end.strip(), part, identifier, settings.strip() or None
            )
        except MalformedCaptionError:
            problems.append(Problem("bad_timestamp", timing_line, {"value": lines[timing_index]}))
            return []
        speaker, words = caption.voice, " ".join(caption.text.split())
        if speaker is None and (prefix := speaker_prefix(words)) and prefix[0] in labels:
            speaker, words = prefix
        if words:
            segment = Segment(
                "",
                words,
                timing_line + 1,
                parse_timecode(caption.start),
                parse_timecode(caption.end),
            )
            pieces.append((speaker.strip() if speaker else None, segment))
    return pieces
