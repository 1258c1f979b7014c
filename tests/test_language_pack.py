"""The language pack: which lexicon groups it finds in a turn, and where."""

from __future__ import annotations

import pytest

from pipeline.nlp.pack import LanguagePack


@pytest.fixture(scope="module")
def packs(config):
    return {lang: LanguagePack(lang, config.lexicon(lang)) for lang in ("da", "en")}


def hits(pack: LanguagePack, text: str) -> dict[str, tuple[bool, bool]]:
    """group -> (at_start, at_clause) for every hit in the turn."""
    (analysis,) = pack.analyse([text])
    return {h.group: (h.at_start, h.at_clause) for unit in analysis.units for h in unit.hits}


@pytest.mark.parametrize("lang, text, group", [
    ("da", "-du er nødt til at stoppe.", "instruction"),
    ("da", "Og så- hvad tænker du om det?", "open_wh"),
    ("en", "-so you want to stop.", "reflection_opener"),
])  # fmt: skip
def test_a_word_cut_off_with_a_dash_is_still_the_word(packs, lang, text, group):
    assert group in hits(packs[lang], text)


@pytest.mark.parametrize("lang, text", [
    ("da", "Så den dag i praktikken, hvad tænkte du?"),
    ("en", "So on that day, uh, what went through your mind?"),
])  # fmt: skip
def test_a_question_word_after_a_preface_opens_the_clause(packs, lang, text):
    assert hits(packs[lang], text)["open_wh"] == (False, True)


@pytest.mark.parametrize("lang, text", [
    ("da", "Jeg ved ikke, hvad du synes."),  # not a question
    ("da", "Jeg ved ikke hvad du synes?"),  # no comma before the question word
])  # fmt: skip
def test_a_question_word_inside_a_sentence_is_not_a_start(packs, lang, text):
    assert "open_wh" not in hits(packs[lang], text)


@pytest.mark.parametrize("text, group", [
    ("They don't let me decide anything.", "others_decide"),
    ("I won't do it.", "agentive_resistance"),
    ("You know that, don't you?", "tag_question"),
])  # fmt: skip
def test_english_contractions_written_apart_in_the_lexicon_match_running_text(packs, text, group):
    assert group in hits(packs["en"], text)


@pytest.mark.parametrize("lang, text, is_tag", [
    ("da", "Du har søgt tre jobs, ikke?", True),
    ("da", "du har søgt tre jobs, ikke", True),  # speech recognition: no punctuation at the end
    ("da", "Ja, okay.", False),  # a full stop makes it a statement
    ("en", "It wears off in a few days, right?", True),
    ("en", "so you tried that already, right", True),
    ("en", "Yeah, okay.", False),
    ("en", "It wears off in a few days, right.", False),
])  # fmt: skip
def test_a_tag_after_a_comma_asks_only_when_no_full_stop_ends_the_sentence(packs, lang, text,
                                                                           is_tag):  # fmt: skip
    assert ("tag_question" in hits(packs[lang], text)) is is_tag
