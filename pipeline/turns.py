"""From speaker segments to turns: merge a speaker's consecutive segments, clean the text."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from pipeline.io.segments import Segment
from pipeline.nlp.words import words

_BRACKETED = re.compile(r"[\[(<]\s*([^\[\]()<>]{1,40}?)\s*[\])>]")

TURN_COLUMNS = ["turn", "speaker", "role", "start", "end", "text", "words", "backchannel", "line"]


def normalise_text(text: str, markers: dict[str, str]) -> str:
    """Collapse whitespace and write transcriber artefacts ("(inaudible)") as one marker."""

    def marker(match: re.Match[str]) -> str:
        return markers.get(match.group(1).casefold(), match.group(0))

    return " ".join(_BRACKETED.sub(marker, text).split())


def build_turns(
    segments: Sequence[tuple[Segment, str]], lang: str, lexicon: dict, backchannel_max_words: int
) -> pd.DataFrame:
    """One row per turn from (segment, role) pairs in spoken order.

    `words` counts the words (markers are not words); `backchannel` marks a turn made only of
    backchannels ("mm", "ja"), which does not break the other speaker's monologue.
    """
    markers = {key.casefold(): value for key, value in (lexicon.get("asr_markers") or {}).items()}
    rows: list[dict] = []
    for segment, role in segments:
        text = normalise_text(segment.text, markers)
        if rows and rows[-1]["speaker"] == segment.speaker:
            last = rows[-1]
            last["text"] = f"{last['text']} {text}"
            last["end"] = segment.end if segment.end is not None else last["end"]
            continue
        rows.append(
            {
                "speaker": segment.speaker,
                "role": role,
                "start": segment.start,
                "end": segment.end,
                "text": text,
                "line": segment.line,
            }
        )
    frame = pd.DataFrame(
        rows, columns=[c for c in TURN_COLUMNS if c not in ("turn", "words", "backchannel")]
    )
    frame.insert(0, "turn", range(len(frame)))
    marker_pattern = _marker_pattern(markers.values())
    backchannels = _backchannel_words(lexicon)
    counted = list(words((marker_pattern.sub(" ", t) for t in frame["text"]), lang))
    frame["words"] = [len(w) for w in counted]
    frame["backchannel"] = [
        len(w) <= backchannel_max_words and all(word in backchannels for word in w) for w in counted
    ]
    frame["start"] = frame["start"].astype("float64")
    frame["end"] = frame["end"].astype("float64")
    return frame[TURN_COLUMNS]


def _marker_pattern(markers: object) -> re.Pattern[str]:
    escaped = sorted({re.escape(m) for m in markers}, key=len, reverse=True)  # type: ignore[union-attr]
    return re.compile("|".join(escaped)) if escaped else re.compile(r"(?!)")


def _backchannel_words(lexicon: dict) -> set[str]:
    entries = lexicon.get("backchannels") or []
    return {word for entry in entries for word in re.split(r"[\s-]+", str(entry).casefold())}
