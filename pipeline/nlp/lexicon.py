"""Compile the phrase lists of configs/lexicons/<lang>.yaml into spaCy Matcher patterns.

Phrase syntax (see the lexicon files): words separated by spaces, "a|b" alternatives, "*" any
one token, "word?" optional. Each phrase word is split by the language's own tokenizer, so
"you're" and "you 're" mean the same. Punctuation may stand between any two words.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language

_OPTIONAL_PUNCT = {"IS_PUNCT": True, "OP": "?"}
POSITIONS = ("start", "end", "any")


@dataclass(frozen=True)
class Group:
    name: str
    position: str
    negatable: bool
    patterns: list[list[dict]]


def compile_groups(nlp: Language, lexicon: dict) -> list[Group]:
    groups = []
    for name, spec in (lexicon.get("groups") or {}).items():
        position = spec.get("position", "any")
        if position not in POSITIONS:
            raise ValueError(f"lexicon group {name}: position must be one of {POSITIONS}")
        patterns = [phrase_pattern(nlp, str(p)) for p in spec.get("phrases", [])]
        patterns += spec.get("patterns", [])
        groups.append(Group(name, position, bool(spec.get("negatable")), patterns))
    return groups


def phrase_pattern(nlp: Language, phrase: str) -> list[dict]:
    tokens: list[dict] = []
    for word in phrase.casefold().split():
        optional = word.endswith("?") and len(word) > 1
        word = word.rstrip("?") if optional else word
        if word == "*":
            parts = [{}]
        elif "|" in word:
            parts = [{"LOWER": {"IN": word.split("|")}}]
        else:
            parts = [{"LOWER": t.lower_} for t in nlp.tokenizer(word)]
        for part in parts:
            if tokens:
                tokens.append(dict(_OPTIONAL_PUNCT))
            tokens.append({**part, "OP": "?"} if optional else part)
    return tokens


def phrase_set(nlp: Language, phrases: list[str]) -> set[tuple[str, ...]]:
    """Phrases as tuples of lower-cased tokens, for simple prefix checks (fillers, negations)."""
    return {tuple(t.lower_ for t in nlp.tokenizer(str(p).casefold())) for p in phrases}
