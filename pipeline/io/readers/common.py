"""Small pieces several readers share: timecodes, speaker prefixes, blank-line blocks."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

_TIMECODE = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")
# "Name: text" at the start of a line; a label is short and has no sentence punctuation.
_SPEAKER_PREFIX = re.compile(r"^\s*([^\s:.,!?;\"][^:.!?;\"]{0,39}?)\s*:\s+(\S.*)$")
_MAX_LABEL_WORDS = 4


def parse_timecode(value: str) -> float | None:
    """Seconds from "hh:mm:ss.mmm", "h:mm:ss", "mm:ss" or "mm:ss,mmm"; None if not a timecode."""
    match = _TIMECODE.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if (hours is not None and int(minutes) > 59) or int(seconds) > 59:
        return None
    value_s = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value_s + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0)


def speaker_prefix(line: str) -> tuple[str, str] | None:
    """Split "Rådgiver 1: Hej" into ("Rådgiver 1", "Hej"); None if the line has no label."""
    match = _SPEAKER_PREFIX.match(line)
    if not match or len(match.group(1).split()) > _MAX_LABEL_WORDS:
        return None
    return match.group(1).strip(), match.group(2).strip()


def speaker_labels(lines: Iterable[str], known: Iterable[str] = ()) -> set[str]:
    """The labels that really are speakers: used at least twice as a prefix, one word, or known.

    This keeps a sentence like "Det er sådan: ..." from being taken for a speaker.
    """
    counts = Counter(prefix[0] for line in lines if (prefix := speaker_prefix(line)))
    known_folded = {label.casefold() for label in known}
    return {
        label
        for label, n in counts.items()
        if n >= 2 or len(label.split()) == 1 or label.casefold() in known_folded
    }


def blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks as (number of the first line, lines)."""
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            yield first, current
            current = []
    if current:
        yield first, current
