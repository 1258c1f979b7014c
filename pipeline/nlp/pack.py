"""A language pack: a blank spaCy pipeline with the project's unit segmenter and pattern matcher.

`LanguagePack("da", lexicon).analyse(texts)` splits each turn into units (sentences, also in
speech-recognition text without punctuation) and finds every lexicon group in each unit, keeping
the matched words as evidence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.nlp.lexicon import GroupMatcher, compile_groups, phrase_set
from pipeline.nlp.words import blank, spacy_module

if TYPE_CHECKING:
    from spacy.tokens import Doc

_SENTENCE_END = {".", "!", "?", "…", "...", ";"}
_STATEMENT_END = {".", "!"}


@dataclass(frozen=True)
class Hit:
    group: str
    start: int  # character offsets in the turn text
    end: int
    text: str
    at_start: bool
    at_clause: bool = False  # a "start" group after a comma in a question: "Så den dag, hvad …?"


@dataclass
class Unit:
    index: int
    text: str
    start: int
    end: int
    question_mark: bool
    words: int
    second_person: bool  # "du", "you": a hv-question without "?" needs one to count
    hits: list[Hit] = field(default_factory=list)

    def has(self, group: str) -> bool:
        return any(hit.group == group for hit in self.hits)

    def evidence(self, *groups: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.group in groups]


@dataclass
class TurnAnalysis:
    text: str
    units: list[Unit]


class LanguagePack:
    def __init__(self, lang: str, lexicon: dict) -> None:
        self.lang = lang
        self.nlp = blank(lang)
        attrs = spacy_module().attrs
        self._columns = [attrs.ORTH, attrs.NORM, attrs.IS_PUNCT, attrs.IDX]
        self.groups, self.matcher = compile_groups(self.nlp, lexicon)
        self.starters = GroupMatcher(self.nlp, {"starter": lexicon.get("unit_starters", [])})
        self.fillers_by_first: dict[str, list[tuple[str, ...]]] = {}
        for filler in phrase_set(self.nlp, lexicon.get("fillers", [])):
            if filler:
                self.fillers_by_first.setdefault(filler[0], []).append(filler)
        self.negations = {t[0] for t in phrase_set(self.nlp, lexicon.get("negations", []))}
        self.second_person = {t[0] for t in phrase_set(self.nlp, lexicon.get("second_person", []))}
        # words that say nothing of what a turn is about: the language's, fillers, backchannels
        self.stop_words = frozenset(self.nlp.Defaults.stop_words) | {
            w.casefold() for w in [*lexicon.get("fillers", []), *lexicon.get("backchannels", [])]
        }
        self.unit_min_tokens = int(lexicon.get("unit_min_tokens", 4))
        self._strings: dict[int, str] = {}

    def analyse(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[TurnAnalysis]:
        texts = [str(t) for t in texts]
        docs = self.nlp.tokenizer.pipe(texts, batch_size=batch_size)
        for text, doc in zip(texts, docs, strict=True):
            yield self._analyse_doc(doc, text)

    def _analyse_doc(self, doc: Doc, text: str) -> TurnAnalysis:
        if "-" in text:
            _merge_stutters(doc)
        tokens = self._tokens(doc, text)
        spans = self._units(tokens)
        units = [self._unit(i, tokens, a, b) for i, (a, b) in enumerate(spans)]
        starts = [a for a, _ in spans]
        words = [i for i, (t, p) in enumerate(zip(tokens.orth, tokens.punct, strict=True))
                 if not p or t == "'"]  # fmt: skip
        for name, first, last in self.matcher([tokens.norm[i] for i in words]):
            begin, end = words[first], words[last - 1] + 1
            unit_index = max(bisect_right(starts, begin) - 1, 0)
            if not spans or end > spans[unit_index][1]:  # a phrase never crosses units
                continue
            unit = units[unit_index]
            first_word, content_start, content_end = self._content(tokens, *spans[unit_index])
            at_start = first_word <= begin <= content_start  # "så du" starts a unit too
            group = self.groups[name]
            at_clause = (group.position == "start" and not at_start and unit.question_mark
                         and self._after_comma(tokens, spans[unit_index][0], begin))  # fmt: skip
            if group.position == "start" and not (at_start or at_clause):
                continue
            after_comma = begin > 0 and tokens.orth[begin - 1] == ","
            statement = tokens.orth[spans[unit_index][1] - 1] in _STATEMENT_END
            if group.position == "end" and not (end == content_end and (
                    unit.question_mark or (after_comma and not statement))):  # fmt: skip
                continue  # a tag ("ikke?", ", right") ends the unit: after "?", or after a comma
                # where no full stop makes the unit a statement ("Yeah, okay.")
            if group.negatable and end < len(tokens.norm) and tokens.norm[end] in self.negations:
                continue
            start_char, end_char = tokens.start[begin], tokens.end[end - 1]
            matched = tokens.text[start_char:end_char]
            unit.hits.append(Hit(name, start_char, end_char, matched, at_start, at_clause))
        for unit in units:
            unit.hits = _longest_per_group(unit.hits)
        return TurnAnalysis(text, units)

    def _tokens(self, doc: Doc, text: str) -> _Tokens:
        """The doc's tokens as plain lists (no spaCy Token objects: they are slow to make)."""
        array = doc.to_array(self._columns).tolist() if len(doc) else []
        strings = self._strings
        orth = [strings.get(row[0]) or self._string(row[0]) for row in array]
        norm = [strings.get(row[1]) or self._string(row[1]) for row in array]
        if "-" in text:  # a cut-off word keeps its dash ("-du", "så-"): match the word itself
            norm = [n.strip("-") or n for n in norm]
        start = [row[3] for row in array]
        return _Tokens(text, orth, norm, [bool(row[2]) for row in array], start,
                       [s + len(t) for s, t in zip(start, orth, strict=True)])  # fmt: skip

    def _string(self, key: int) -> str:
        self._strings[key] = value = self.nlp.vocab.strings[key]
        return value

    # --- units ---------------------------------------------------------------------------
    def _units(self, tokens: _Tokens) -> list[tuple[int, int]]:
        """Sentences by punctuation; in speech-recognition text without any sentence
        punctuation, also before a unit starter ("hvad tænker du", "so you")."""
        n, orth, punct = len(tokens.orth), tokens.orth, tokens.punct
        if not n:
            return []
        ends = [t in _SENTENCE_END or (p and "?" in t) for t, p in zip(orth, punct, strict=True)]
        starts = {0} | {i + 1 for i in range(n - 1) if ends[i]}
        punctuated = any(p and (t in _SENTENCE_END or "?" in t)
                         for t, p in zip(orth, punct, strict=True))  # fmt: skip
        for _, begin, _ in [] if punctuated else self.starters(tokens.norm):
            previous = max(s for s in starts if s <= begin)
            if begin - previous >= self.unit_min_tokens and not punct[begin - 1]:
                starts.add(begin)
        bounds = sorted(s for s in starts if s < n)
        spans = zip(bounds, [*bounds[1:], n], strict=True)
        return [(a, b) for a, b in spans if not all(punct[a:b])]

    def _unit(self, index: int, tokens: _Tokens, a: int, b: int) -> Unit:
        start, end = tokens.start[a], tokens.end[b - 1]
        return Unit(index, tokens.text[start:end], start, end,
                    question_mark=any("?" in t for t in tokens.orth[max(a, b - 2) : b]),
                    words=(b - a) - sum(tokens.punct[a:b]),
                    second_person=not self.second_person.isdisjoint(tokens.norm[a:b]))  # fmt: skip

    def _content(self, tokens: _Tokens, a: int, b: int) -> tuple[int, int, int]:
        """A unit's first word, its first token after punctuation and fillers ("så", "okay",
        "øh"), and its end without trailing punctuation."""
        punct, norm = tokens.punct, tokens.norm
        first_word = next((i for i in range(a, b) if not punct[i]), a)
        i = a
        while i < b:
            if punct[i]:
                i += 1
                continue
            filler = max((len(f) for f in self.fillers_by_first.get(norm[i], ())
                          if tuple(norm[i : i + len(f)]) == f), default=0)  # fmt: skip
            if not filler:
                break
            i += filler
        end = b
        while end > a and punct[end - 1]:
            end -= 1
        return first_word, (i if i < b else a), end

    def _after_comma(self, tokens: _Tokens, a: int, begin: int) -> bool:
        """Whether a clause of the unit starting at token `a` starts at `begin`: right after a
        comma or colon, one-word fillers ("så", "øh") skipped."""
        i = begin - 1
        while i > a and (tokens.norm[i],) in self.fillers_by_first.get(tokens.norm[i], ()):
            i -= 1
        return i > a and tokens.orth[i] in (",", ":")


@dataclass
class _Tokens:
    text: str  # the turn
    orth: list[str]
    norm: list[str]
    punct: list[bool]
    start: list[int]  # character offsets
    end: list[int]


def _merge_stutters(doc: Doc) -> None:
    """Make a false start one token with the norm of the word meant: "ho-how" -> "how",
    "I-I-it" -> "it", "jeg-jeg" -> "jeg", so patterns see the word that was said."""
    runs, i = [], 0
    while i < len(doc) - 2:
        j = i
        while (j + 2 < len(doc) and doc[j + 1].text == "-" and not doc[j].whitespace_
               and not doc[j + 1].whitespace_ and len(doc[j]) <= 4
               and doc[j + 2].lower_.startswith(doc[j].lower_)):  # fmt: skip
            j += 2
        if j > i:
            runs.append((i, j + 1))
        i = j + 1
    with doc.retokenize() as retokenizer:
        for begin, end in runs:
            retokenizer.merge(doc[begin:end], attrs={"NORM": doc[end - 1].norm_})
    for token in doc:
        first, dash, rest = token.lower_.partition("-")
        if dash and first and rest.startswith(first) and len(first) <= 4:
            token.norm_ = token.lower_.rsplit("-", 1)[-1]


def _longest_per_group(hits: list[Hit]) -> list[Hit]:
    """One hit per group and place: overlapping matches of a group keep the longest."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.group, h.start, -(h.end - h.start))):
        if kept and kept[-1].group == hit.group and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, h.group))
