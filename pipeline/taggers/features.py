"""Features of a turn for the model backend: pattern hits, rule decisions, words, characters,
and how many of its content words the other speaker's previous turn has (which helps to see a
reflection).
The previous turn's own words are not features: they say more about how the training turns were
written than about the turn being tagged (docs/validation.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

from pipeline.nlp.pack import TurnAnalysis, Unit

_WORD = re.compile(r"\w+")
TOKEN_PATTERN = r"(?u)\b\w+\b|\?"  # the word n-grams' tokens: words and question marks
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass
class Item:
    """What the model sees of one turn (or one unit): its analysis, its context, rule labels."""

    analysis: TurnAnalysis
    context: str
    rules: dict[str, str]  # rolled-up rule label per dimension

    @property
    def text(self) -> str:
        return self.analysis.text

    @classmethod
    def of_unit(cls, unit: Unit, context: str, rules: dict[str, str]) -> Item:
        """One unit of a turn as an item of its own, with the turn's context."""
        return cls(TurnAnalysis(unit.text, [unit]), context, rules)


@dataclass
class Ngrams:
    """A fitted TfidfVectorizer's numbers (lower-casing, sublinear tf, l2 norm): its n-gram
    columns, their idf and the n-gram range; `analyzer` "word" or "char_wb"."""

    analyzer: str
    vocabulary_: dict[str, int]
    idf_: np.ndarray
    ngram_range: tuple[int, int]


@dataclass
class ItemFeatures:
    """Sparse features: hits and rule labels (one-hot), form and overlap figures, n-grams of the
    text. One instance serves every dimension of a language, so a batch of items is featurised
    once for all of them. Fitted by `pipeline.taggers.fitting`; transforms with numpy and SciPy
    alone, so tagging never imports scikit-learn."""

    symbolic: dict[str, int]  # column of each symbolic feature
    words: Ngrams
    chars: Ngrams
    symbolic_weight: float = 1.0
    stop_words: frozenset[str] = frozenset()  # words that say nothing of the content
    _words_seen: dict[str, WordCounts] = field(default_factory=dict, init=False, repr=False)

    def transform(self, items: list[Item]) -> sparse.csr_matrix:
        texts = [i.text for i in items]
        return sparse.hstack([
            one_hot(self.symbolic, [_symbolic(i, self.stop_words) for i in items])
            * self.symbolic_weight,
            word_tfidf(self.words, texts),
            char_tfidf(self.chars, texts, self._words_seen) * 0.5,
        ]).tocsr()  # fmt: skip


def one_hot(columns: dict[str, int], rows: list[dict[str, float]]) -> sparse.csr_matrix:
    """`DictVectorizer.transform`: each row's values in the columns of their names; names the
    fit did not see are left out."""
    indptr, indices, values = [0], [], []
    for row in rows:
        for name, value in row.items():
            column = columns.get(name)
            if column is not None:
                indices.append(column)
                values.append(value)
        indptr.append(len(indices))
    return _sorted_csr(values, indices, indptr, len(columns))


def word_tfidf(ngrams: Ngrams, texts: list[str]) -> sparse.csr_matrix:
    """`TfidfVectorizer.transform(texts)` for its word analyzer with `_TOKEN` as token pattern."""
    low, high = ngrams.ngram_range
    indptr, indices, values = [0], [], []
    for text in texts:
        tokens = _TOKEN.findall(text.lower())
        counts: dict[int, int] = {}
        for n in range(low, min(high, len(tokens)) + 1):
            for offset in range(len(tokens) - n + 1):
                column = ngrams.vocabulary_.get(" ".join(tokens[offset : offset + n]))
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
        indices.extend(counts)
        values.extend(counts.values())
        indptr.append(len(indices))
    return _tfidf(_sorted_csr(values, indices, indptr, len(ngrams.idf_)), ngrams.idf_)


def _sorted_csr(values: list, indices: list[int], indptr: list[int],
                width: int) -> sparse.csr_matrix:  # fmt: skip
    """A CSR matrix of the rows given as values, column indices and row starts."""
    matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=float), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(indptr) - 1, width),
    )  # fmt: skip
    matrix.sort_indices()
    return matrix


def _tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf times idf, each row scaled to length 1 (as scikit-learn's l2 norm)."""
    counts.data = (np.log(counts.data) + 1.0) * idf[counts.indices]
    sizes = np.diff(counts.indptr)
    rows = np.repeat(np.arange(counts.shape[0]), sizes)
    norms = np.sqrt(np.bincount(rows, weights=counts.data**2, minlength=counts.shape[0]))
    counts.data /= np.repeat(norms, sizes)
    return counts


WordCounts = tuple[np.ndarray, np.ndarray]  # vocabulary columns and counts of one word


def char_tfidf(vectorizer: Ngrams, texts: list[str],
               words_seen: dict[str, WordCounts]) -> sparse.csr_matrix:  # fmt: skip
    """`vectorizer.transform(texts)` for a fitted char_wb TfidfVectorizer (lower-casing,
    sublinear tf, l2 norm), with each distinct word's n-grams found once: char_wb n-grams never
    cross a word, so a text's counts are the sum of its words' counts (`words_seen` keeps them
    between calls)."""
    columns: dict[str, int] = {}
    rows, words = [], []
    for row, text in enumerate(texts):
        for word in text.lower().split():
            rows.append(row)
            words.append(columns.setdefault(word, len(columns)))
    if len(words_seen) > _WORDS_SEEN_MAX:
        words_seen.clear()
    pieces = [words_seen.get(w) or _char_counts(vectorizer, w, words_seen) for w in columns]
    width = len(vectorizer.idf_)
    per_word = sparse.csr_matrix(
        (np.concatenate([[], *(p[1] for p in pieces)]),
         np.concatenate([np.zeros(0, dtype=np.int64), *(p[0] for p in pieces)]),
         np.cumsum([0, *(len(p[0]) for p in pieces)])),
        shape=(len(columns), width),
    )  # fmt: skip
    occurrences = sparse.csr_matrix((np.ones(len(rows)), (rows, words)),
                                    shape=(len(texts), len(columns)))  # fmt: skip
    counts = sparse.csr_matrix(occurrences @ per_word)
    counts.sort_indices()
    return _tfidf(counts, vectorizer.idf_)


_WORDS_SEEN_MAX = 200_000


def _char_counts(vectorizer: Ngrams, word: str,
                 words_seen: dict[str, WordCounts]) -> WordCounts:  # fmt: skip
    """The vocabulary columns and counts of one word's padded n-grams, as sklearn's char_wb."""
    padded, (low, high) = f" {word} ", vectorizer.ngram_range
    found: dict[int, int] = {}
    for n in range(low, high + 1):
        for offset in range(max(len(padded) - n, 0) + 1):
            column = vectorizer.vocabulary_.get(padded[offset : offset + n])
            if column is not None:
                found[column] = found.get(column, 0) + 1
        if len(padded) <= n:  # a short word counts once
            break
    words_seen[word] = pair = (np.array(list(found), dtype=np.int64),
                               np.array(list(found.values()), dtype=float))  # fmt: skip
    return pair


def _symbolic(item: Item, stop_words: frozenset[str]) -> dict[str, float]:
    """Pattern groups (anywhere / at a unit's start), rule labels, form and overlap figures."""
    features: dict[str, float] = {}
    units = item.analysis.units
    for unit in units:
        for hit in unit.hits:
            features[f"hit:{hit.group}"] = 1.0
            if hit.at_start:
                features[f"start:{hit.group}"] = 1.0
            elif hit.at_clause:
                features[f"clause:{hit.group}"] = 1.0
    for name, label in item.rules.items():
        features[f"rule:{name}={label}"] = 1.0
    # No length features: a turn's length says more about who wrote the training data than
    # about what the turn does (a short "I'd suggest you call them" is input too).
    marks = sum(u.question_mark for u in units)
    features["question_marks"] = float(min(marks, 3))
    features["ends_with_question"] = float(bool(units) and units[-1].question_mark)
    features["no_punctuation"] = float(not re.search(r"[.?!,]", item.text))
    features["context_overlap"] = _overlap(item.text, item.context, stop_words)
    return features


def _overlap(text: str, context: str, stop_words: frozenset[str]) -> float:
    """Share of the turn's content words that the other speaker just said. Stop words and
    backchannels do not count: "Yeah." after "Yeah, I do." repeats nothing."""
    words = _content_words(text, stop_words)
    return len(words & _content_words(context, stop_words)) / len(words) if words else 0.0


@lru_cache(maxsize=4096)  # every unit of a turn has the same context
def _content_words(text: str, stop_words: frozenset[str]) -> frozenset[str]:
    words = _WORD.findall(text.casefold())
    return frozenset(w for w in words if len(w) > 3 and w not in stop_words)
