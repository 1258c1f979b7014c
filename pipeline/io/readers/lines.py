"""Speaker-labelled lines, shared by the plain-text and Word readers.

Two layouts, mixed freely:
- "Name: text" per line, with an optional "[hh:mm:ss]", "(hh:mm:ss)" or "hh:mm:ss" prefix;
- a header line "Name   0:03" (Teams' Word download) with the text on the following lines.
A line without a label continues the current speaker. A segment that only has a start time
lasts until the next one starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.io.readers.common import parse_timecode, speaker_labels, speaker_prefix
from pipeline.io.segments import Problem, ReadResult, Segment

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIME_PREFIX = re.compile(rf"^\s*[\[(]?({_TIME})[\])]?\s*[-–]?\s*(.*)$")
_HEADER = re.compile(rf"^\s*(\S.{{0,39}}?)\s+[\[(]?({_TIME})[\])]?\s*$")


@dataclass
class _Open:
    speaker: str
    line: int
    start: float | None
    parts: list[str] = field(default_factory=list)


def read_lines(numbered: Sequence[tuple[int, str]], preamble_is_header: bool) -> ReadResult:
    """Segments from (line number, text) pairs.

    `preamble_is_header`: text before the first speaker is a document header (title, date) and
    is passed over quietly, as in Teams' Word files; otherwise it is reported.
    """
    parsed = [(number, *_split_time(text)) for number, text in numbered if text.strip()]
    labels = speaker_labels(text for _, _, text in parsed) | _header_labels(parsed)
    result = ReadResult()
    segments: list[_Open] = []
    for number, start, text in parsed:
        header = _HEADER.match(text)
        prefix = speaker_prefix(text)
        if header and header.group(1) in labels:
            segments.append(_Open(header.group(1), number, parse_timecode(header.group(2))))
        elif prefix and prefix[0] in labels:
            segments.append(_Open(prefix[0], number, start, [prefix[1]]))
        elif segments:
            segments[-1].parts.append(text.strip())
        elif not preamble_is_header and not result.problems:
            result.problems.append(Problem("text_before_speaker", number))
    for i, open_segment in enumerate(segments):
        words = " ".join(" ".join(open_segment.parts).split())
        if not words:
            continue
        following = segments[i + 1].start if i + 1 < len(segments) else None
        end = following if following is not None and open_segment.start is not None else None
        result.segments.append(
            Segment(open_segment.speaker, words, open_segment.line, open_segment.start, end)
        )
    return result


def _split_time(text: str) -> tuple[float | None, str]:
    match = _TIME_PREFIX.match(text)
    if match and (seconds := parse_timecode(match.group(1))) is not None and match.group(2):
        return seconds, match.group(2)
    return None, text


def _header_labels(parsed: Sequence[tuple[int, float | None, str]]) -> set[str]:
    names = [m.group(1) for _, _, text in parsed if (m := _HEADER.match(text))]
    return {name for name in names if names.count(name) >= 2 or len(name.split()) == 1}
