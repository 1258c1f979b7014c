"""A language pack: a blank spaCy pipeline with the project's unit segmenter and pattern matcher.

`LanguagePack("da", lexicon).analyse(texts)` splits each turn into units (sentences, also in
speech-recognition text without punctuation) and finds every lexicon group in each unit, keeping
the matched words as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from pipeline.nlp.lexicon import GroupMatcher, compile_groups, phrase_set
from pipeline.nlp.words import blank

_SENTENCE_END = {".", "!", "?", "…", "...", ";"}


@dataclass(frozen=True)
class Hit:
    group: str
    start: int  # character offsets in the turn text
    end: int
    text: str
    at_start: bool


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
        self.groups, self.matcher = compile_groups(self.nlp, lexicon)
        self.starters = GroupMatcher(self.nlp, {"starter": lexicon.get("unit_starters", [])})
        self.fillers = phrase_set(self.nlp, lexicon.get("fillers", []))
        self.negations = {t[0] for t in phrase_set(self.nlp, lexicon.get("negations", []))}
        self.second_person = {t[0] for t in phrase_set(self.nlp, lexicon.get("second_person", []))}
        self.unit_min_tokens = int(lexicon.get("unit_min_tokens", 4))

    def analyse(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[TurnAnalysis]:
        for doc in self.nlp.tokenizer.pipe((str(t) for t in texts), batch_size=batch_size):
            yield self._analyse_doc(doc)

    # --- units ---------------------------------------------------------------------------
    def units(self, doc: Doc) -> list[Span]:
        """Sentences by punctuation; in speech-recognition text without any sentence
        punctuation, also before a unit starter ("hvad tænker du", "so you")."""
        starts = {0}
        for token in doc[:-1]:
            if token.text in _SENTENCE_END or (token.is_punct and "?" in token.text):
                starts.add(token.i + 1)
        punctuated = any(t.text in _SENTENCE_END or "?" in t.text for t in doc if t.is_punct)
        for _, begin, _ in [] if punctuated else self.starters([t.norm_ for t in doc]):
            previous = max(s for s in starts if s <= begin)
            if begin - previous >= self.unit_min_tokens and not doc[begin - 1].is_punct:
                starts.add(begin)
        bounds = sorted(s for s in starts if s < len(doc))
        spans = [doc[a:b] for a, b in zip(bounds, [*bounds[1:], len(doc)], strict=True)]
        return [span for span in spans if any(not t.is_punct for t in span)]

    def _analyse_doc(self, doc: Doc) -> TurnAnalysis:
        _merge_stutters(doc)
        spans = self.units(doc)
        units = [
            Unit(i, span.text, span.start_char, span.end_char,
                 question_mark=any("?" in t.text for t in span[-2:]),
                 words=sum(1 for t in span if not t.is_punct),
                 second_person=any(t.norm_ in self.second_person for t in span))
            for i, span in enumerate(spans)
        ]  # fmt: skip
        content = [(self._first_word(span), self._content_start(span), self._content_end(span))
                   for span in spans]  # fmt: skip
        words = [t.i for t in doc if not t.is_punct or t.text == "'"]  # where each word stands
        for name, first, last in self.matcher([doc[i].norm_ for i in words]):
            begin, end = words[first], words[last - 1] + 1
            group = self.groups[name]
            unit_index = max((i for i, span in enumerate(spans) if span.start <= begin), default=0)
            if not spans or end > spans[unit_index].end:  # a phrase never crosses units
                continue
            first_word, content_start, content_end = content[unit_index]
            at_start = first_word <= begin <= content_start  # "så du" starts a unit too
            if group.position == "start" and not at_start:
                continue
            if group.position == "end" and not self._ends_unit(
                doc, begin, end, content_end, units[unit_index]
            ):
                continue
            if group.negatable and end < len(doc) and doc[end].norm_ in self.negations:
                continue
            span = doc[begin:end]
            units[unit_index].hits.append(
                Hit(name, span.start_char, span.end_char, span.text, at_start)
            )
        for unit in units:
            unit.hits = _longest_per_group(unit.hits)
        return TurnAnalysis(doc.text, units)

    @staticmethod
    def _first_word(span: Span) -> int:
        return next((t.i for t in span if not t.is_punct), span.start)

    def _content_start(self, span: Span) -> int:
        """The first token after punctuation and fillers ("så", "okay", "øh")."""
        i, tokens = span.start, [t.norm_ for t in span.doc]
        while i < span.end:
            if span.doc[i].is_punct:
                i += 1
                continue
            filler = max((len(f) for f in self.fillers if tuple(tokens[i : i + len(f)]) == f),
                         default=0)  # fmt: skip
            if not filler:
                break
            i += filler
        return i if i < span.end else span.start

    @staticmethod
    def _content_end(span: Span) -> int:
        end = span.end
        while end > span.start and span.doc[end - 1].is_punct:
            end -= 1
        return end

    @staticmethod
    def _ends_unit(doc: Doc, begin: int, end: int, content_end: int, unit: Unit) -> bool:
        """A tag ("ikke?", ", right?") ends the unit and is marked by "?" or a comma before it."""
        if end != content_end:
            return False
        return unit.question_mark or (begin > 0 and doc[begin - 1].text == ",")


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
