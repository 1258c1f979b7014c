"""Compile the phrase lists of configs/lexicons/<lang>.yaml into matchers.

Phrase syntax (see the lexicon files): words separated by spaces, "a|b" alternatives, "*" any
one token, "word?" optional. Phrases are split by the language's own tokenizer and matched on
token norms, so "I've decided" and "I have decided" match the same phrase. Matching runs on the
turn's words without punctuation, so a comma may stand between any two words of a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

POSITIONS = ("start", "end", "any")


@dataclass(frozen=True)
class Group:
    name: str
    position: str
    negatable: bool


class GroupMatcher:
    """Finds every group's phrases in a list of word norms: `matcher(norms)` -> matches.

    The phrases are compiled into one token trie (alternatives and optional words expanded,
    "*" as an edge that takes any token). It returns what spaCy's PhraseMatcher and Matcher
    return for the same patterns, every (group, start, end), without building a Doc per turn,
    which measured ten times slower (benchmarks/throughput.py).
    """

    def __init__(self, nlp: Language, groups: dict[str, list[str]]) -> None:
        self.root: dict = {}
        for name, phrases in groups.items():
            for phrase in phrases:
                steps = _steps(compile_phrase(nlp, str(phrase)))
                if steps:
                    _insert(self.root, steps, name, depth=0)

    def __call__(self, norms: list[str]) -> list[tuple[str, int, int]]:
        found: set[tuple[str, int, int]] = set()
        root, length = self.root, len(norms)
        begins = range(length) if _ANY in root else [i for i, w in enumerate(norms) if w in root]
        for begin in begins:
            nodes, end = [root], begin
            while nodes and end < length:
                word, end = norms[end], end + 1
                nodes = [child for node in nodes for child in (node.get(word), node.get(_ANY))
                         if child is not None]  # fmt: skip
                for node in nodes:
                    for name in node.get(_END, ()):
                        found.add((name, begin, end))
        return sorted(found, key=lambda match: (match[1], match[2], match[0]))


_ANY = None  # trie edge for "*"
_END = ("end",)  # trie key for the groups whose phrase ends at a node


def _steps(compiled: tuple[str, ...] | list[dict]) -> list[tuple[tuple[str | None, ...], bool]]:
    """A compiled phrase as (words, optional) steps; (None,) stands for any word."""
    if isinstance(compiled, tuple):
        return [((word,), False) for word in compiled]
    steps = []
    for token in compiled:
        orth = token.get("ORTH")
        if orth is None:
            words: tuple[str | None, ...] = (_ANY,)
        else:
            words = tuple(orth["IN"]) if isinstance(orth, dict) else (orth,)
        steps.append((words, token.get("OP") == "?"))
    return steps


def _insert(node: dict, steps: list, name: str, depth: int) -> None:
    if not steps:
        if depth:  # a match is never empty
            node.setdefault(_END, set()).add(name)
        return
    (words, optional), rest = steps[0], steps[1:]
    if optional:
        _insert(node, rest, name, depth)
    for word in words:
        _insert(node.setdefault(word, {}), rest, name, depth + 1)


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
    """The token norms of a phrase as running text gets them. English contractions written apart
    in the lexicons ("do n't", "wo n't") are read joined, as they are spoken: their tokens then
    get the norms of running text ("do", "not"; "will", "not"), and "n't" alone is "not"."""
    tokens = nlp.tokenizer(_CONTRACTION_APART.sub(r"\1n't", text))
    return tuple("not" if t.lower_ == "n't" else t.norm_
                 for t in tokens if not t.is_punct or t.text == "'")  # fmt: skip


_CONTRACTION_APART = re.compile(r"(\w) n't\b")


def phrase_set(nlp: Language, phrases: list[str]) -> set[tuple[str, ...]]:
    """Phrases as tuples of token norms, for simple prefix checks (fillers, negations)."""
    return {norms(nlp, str(p).casefold()) for p in phrases}
