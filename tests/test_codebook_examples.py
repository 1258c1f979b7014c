"""The examples of docs/codebook.md, per label and language, as tests for both backends."""

from __future__ import annotations

import re

import pytest

from pipeline.taggers.tagger import Tagger
from tests.helpers import ROOT

_ROW = re.compile(r"^\| (\w+)=(\w+) \| (da|en) \| (caseworker|citizen) \| (.+?) \|$")


def codebook_examples() -> list[tuple[str, str, str, str, str]]:
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    return [m.groups() for line in text.splitlines() if (m := _ROW.match(line.strip()))]


EXAMPLES = codebook_examples()


def test_the_codebook_has_examples_for_every_label_and_language():
    covered = {(lang, dim, label) for dim, label, lang, _, _ in EXAMPLES}
    for lang in ("da", "en"):
        for dim, labels in [("question", ["open", "closed", "none"]), ("reflection", ["yes", "no"]),
                            ("input", ["yes", "no"]), ("framing", ["becomer", "being", "neutral"]),
                            ("agency", ["agentive", "non_agentive", "neutral"])]:  # fmt: skip
            for label in labels:
                assert (lang, dim, label) in covered


@pytest.fixture(scope="module")
def rules_taggers(config):
    return {lang: Tagger(lang, config, backend="rules") for lang in ("da", "en")}


@pytest.mark.parametrize("dim, label, lang, role, text", EXAMPLES)
def test_rules_backend_tags_the_codebook_example(rules_taggers, dim, label, lang, role, text):
    tagged = rules_taggers[lang].tag_text(text, role=role)
    assert tagged.labels[dim] == label, tagged.evidence


@pytest.mark.parametrize("lang", ["da", "en"])
def test_model_backend_tags_nearly_every_codebook_example(trained_taggers, lang):
    """The model is statistical: it must get at least 90% of the examples right (measured:
    all but one or two per language, see docs/validation.md)."""
    examples = [e for e in EXAMPLES if e[2] == lang]
    wrong = [
        (dim, label, text)
        for dim, label, _, role, text in examples
        if trained_taggers[lang].tag_text(text, role=role).labels[dim] != label
    ]
    assert len(wrong) <= 0.1 * len(examples), wrong
