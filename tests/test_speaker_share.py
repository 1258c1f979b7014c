"""Turns and speaker share on a small conversation whose figures are computed by hand."""

from __future__ import annotations

import math

import pytest

from pipeline.io.segments import Segment
from pipeline.speaker_share import speaker_share
from pipeline.turns import build_turns, normalise_text


def turns_of(rows, config):
    segments = [
        (Segment(speaker, text, i + 1, start, end), role)
        for i, (speaker, role, start, end, text) in enumerate(rows)
    ]
    return build_turns(segments, "da", config.lexicon("da"), backchannel_max_words=3)


CONVERSATION = [
    # speaker, role, start, end, text                                   words
    ("R", "caseworker", 0.0, 4.0, "Hej og velkommen."),  # 3
    ("R", "caseworker", 4.0, 10.0, "Vi skal tale om din plan i dag."),  # 8 -> turn of 11
    ("B", "citizen", 10.0, 11.0, "Mm."),  # 1, backchannel
    ("R", "caseworker", 11.0, 20.0, "Først reglerne, så dine ønsker."),  # 5 -> run 16 words
    ("B", "citizen", 20.0, 30.0, "Jeg vil gerne arbejde med dyr, (inaudible) helst."),  # 7
    ("T", "other", 30.0, 32.0, "Tak."),  # 1
    ("R", "caseworker", 32.0, 34.0, "Fortæl mere."),  # 2
]


def test_consecutive_segments_of_one_speaker_become_one_turn(config):
    turns = turns_of(CONVERSATION, config)
    assert turns["speaker"].tolist() == ["R", "B", "R", "B", "T", "R"]
    assert turns.loc[0, "text"] == "Hej og velkommen. Vi skal tale om din plan i dag."
    assert (turns.loc[0, "start"], turns.loc[0, "end"]) == (0.0, 10.0)
    assert turns["words"].tolist() == [11, 1, 5, 7, 1, 2]
    assert turns["backchannel"].tolist() == [False, True, False, False, False, False]


def test_asr_artefacts_become_markers_that_are_not_words(config):
    markers = {k: v for k, v in config.lexicon("da")["asr_markers"].items()}
    assert normalise_text("ja  (inaudible)\n og [Latter] [NAVN]", markers) == (
        "ja [uhørligt] og [latter] [NAVN]"
    )
    turns = turns_of([("B", "citizen", None, None, "[uhørligt] ja [NAVN]")], config)
    assert turns.loc[0, "words"] == 2  # "ja" and the placeholder for a spoken name


def test_speaker_share_figures(config):
    figures = speaker_share(turns_of(CONVERSATION, config))
    assert figures["turns"] == 6
    assert figures["caseworker_words"] == 18 and figures["citizen_words"] == 8
    assert figures["citizen_share"] == pytest.approx(8 / 26)
    assert figures["caseworker_word_share"] == pytest.approx(18 / 27)
    assert figures["caseworker_seconds"] == pytest.approx(10 + 9 + 2)
    assert figures["citizen_time_share"] == pytest.approx(11 / (11 + 21))
    assert figures["minutes"] == pytest.approx(34 / 60)
    assert figures["caseworker_mean_words_per_turn"] == pytest.approx(18 / 3)
    # "Mm." does not break the caseworker's monologue: 11 + 5 words from 0 to 20 seconds.
    assert figures["caseworker_longest_monologue_words"] == 16
    assert figures["caseworker_longest_monologue_seconds"] == pytest.approx(20.0)
    assert figures["citizen_longest_monologue_words"] == 7
    assert figures["other_words"] == 1


def test_untimed_transcripts_have_no_time_figures(config):
    rows = [(s, r, None, None, t) for s, r, _, _, t in CONVERSATION]
    figures = speaker_share(turns_of(rows, config))
    assert math.isnan(figures["minutes"]) and math.isnan(figures["citizen_time_share"])
    assert math.isnan(figures["caseworker_longest_monologue_seconds"])
    assert figures["citizen_share"] == pytest.approx(8 / 26)
