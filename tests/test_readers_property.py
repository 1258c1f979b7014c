"""Random text and bytes into every reader: a parse or a clear UnreadableFile, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.io.readers import FORMATS
from pipeline.io.segments import ReadResult, UnreadableFile

# Text that looks a little like transcripts, so the readers' deeper paths are reached too.
FRAGMENTS = st.sampled_from(
    ["WEBVTT\n\n", "1\n", "00:00:01.000 --> 00:00:02.000\n", "00:00:0x,000 --> 1\n",
     "<v Rådgiver>", "</v>", "Borger: ", "Rådgiver 1: ", "[00:00:05] ", "NOTE x\n", "\n\n",
     '{"segments": [', '{"speaker": "SPEAKER_00", "text": "hej", "start": 1, "end": 0}', "]}",
     "conversation_id,speaker,text\n", "a,Borger,hej\n", ";", "\t", "æøå ", "\r\n", "\x00"]
)  # fmt: skip
TRANSCRIPTISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=30).map("".join)


def _check(fmt_name: str, data: bytes) -> None:
    try:
        result = FORMATS[fmt_name].read(data)
    except UnreadableFile as error:
        assert error.problem.key
        return
    assert isinstance(result, ReadResult)
    for segment in result.segments:
        assert segment.speaker and segment.text
        assert segment.line >= 1


@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_random_bytes(fmt_name, data):
    _check(fmt_name, data)


@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TRANSCRIPTISH, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_random_transcript_like_text(fmt_name, text, encoding):
    _check(fmt_name, text.encode(encoding, errors="replace"))
