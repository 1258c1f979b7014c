"""Compile the phrase lists of configs/lexicons/<lang>.yaml into matchers.

Phrase syntax (see the lexicon files): words separated by spaces, "a|b" alternatives, "*" any
one token, "word?" optional. Phrases are split by the language's own tokenizer and matched on
token norms, so "I've decided" and "I have decided" match the same phrase. Matching runs on the
turn's words without punctuation, so a comma may stand between any two words of a phrase.
Plain phrases go to spaCy's PhraseMatcher (fast); phrases with "|", "*" or "?" to its Matcher.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

POSITIONS = ("start", "end", "any")


@dataclass(frozen=True)
class Group:
    name: str
    position: str
    negatable: bool


class GroupMatcher:
    """Finds every group's phrases in a list of word norms: `matcher(norms)` -> matches."""

    def __init__(self, nlp: Language, groups: dict[str, list[str]]) -> None:
        self.vocab = nlp.vocab
        self.phrases = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.patterns = Matcher(nlp.vocab)
        for name, phrases in groups.items():
            plain, special = [], []
            for phrase in phrases:
                compiled = compile_phrase(nlp, str(phrase))
                (plain if isinstance(compiled, tuple) else special).append(compiled)
            if plain:
                self.phrases.add(name, [Doc(nlp.vocab, words=list(p)) for p in plain if p])
            if special:
                self.patterns.add(name, special)

    def __call__(self, norms: list[str]) -> list[tuple[str, int, int]]:
        if not norms:
            return []
        doc = Doc(self.vocab, words=norms)
        found = list(self.phrases(doc)) + (list(self.patterns(doc)) if len(self.patterns) else [])
        return [(self.vocab.strings[key], begin, end) for key, begin, end in found]


def compile_groups(nlp: Language, lexicon: dict) -> tuple[dict[str, Group], GroupMatcher]:
    groups, phrases = {}, {}
    for name, spec in (lexicon.get("groups") or {}).items():
        position = spec.get("position", "any")
        if position not in POSITIONS:
            raise ValueError(f"lexicon group {name}: position must be one of {POSITIONS}")
        groups[name] = Group(name, position, bool(spec.get("negatable")))
        phrases[name] = list(spec.get("phrases", []))
    return groups, GroupMatcher(nlp, phrases)


def compile_phrase(nlp: Language, phrase: str) -> tuple[str, ...] | list[dict]:
    """A plain phrase as a tuple of norms; one with "|", "*" or "?" as a Matcher pattern."""
    words = phrase.casefold().split()
    if not any(w == "*" or "|" in w or (w.endswith("?") and len(w) > 1) for w in words):
        return norms(nlp, phrase.casefold())
    pattern: list[dict] = []
    plain: list[str] = []

    def flush() -> None:
        # plain words are tokenized together, so "i've" gives the tokens "i" "'ve" as in text
        pattern.extend({"ORTH": n} for n in norms(nlp, " ".join(plain)) if plain)
        plain.clear()

    for word in words:
        if word == "*":
            flush()
            pattern.append({})
        elif "|" in word:
            flush()
            pattern.append({"ORTH": {"IN": [n for w in word.split("|") for n in norms(nlp, w)]}})
        elif word.endswith("?") and len(word) > 1:
            flush()
            pattern.extend({"ORTH": n, "OP": "?"} for n in norms(nlp, word[:-1]))
        else:
            plain.append(word)
    flush()
    return pattern


def norms(nlp: Language, text: str) -> tuple[str, ...]:
    return tuple(t.norm_ for t in nlp.tokenizer(text) if not t.is_punct or t.text == "'")


def phrase_set(nlp: Language, phrases: list[str]) -> set[tuple[str, ...]]:
    """Phrases as tuples of token norms, for simple prefix checks (fillers, negations)."""
    return {norms(nlp, str(p).casefold()) for p in phrases}
