"""Fitting the model backend with scikit-learn: the features' vocabularies and idf, and one
calibrated logistic regression per dimension, turned into the plain arrays that
`pipeline.taggers.model` tags with. Only training imports this module (and scikit-learn)."""

from __future__ import annotations

import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from pipeline.taggers.features import TOKEN_PATTERN, Item, ItemFeatures, Ngrams, _symbolic
from pipeline.taggers.model import Calibrated, DimensionModel

SKLEARN_VERSION = sklearn.__version__


def fit_features(items: list[Item], stop_words: frozenset[str] = frozenset()) -> ItemFeatures:
    """The features' columns, fitted once per language on every annotated item: symbolic
    features, word 1-3-grams (seen twice or more) and character 2-5-grams (three times or more,
    the 60,000 most frequent), tf-idf weighted."""
    texts = [i.text for i in items]
    symbolic = DictVectorizer().fit([_symbolic(i, stop_words) for i in items])
    words = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                            token_pattern=TOKEN_PATTERN).fit(texts)  # fmt: skip
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                            max_features=60000).fit(texts)  # fmt: skip
    return ItemFeatures(_columns(symbolic.vocabulary_), _ngrams(words), _ngrams(chars),
                        stop_words=stop_words)  # fmt: skip


def _ngrams(vectorizer: TfidfVectorizer) -> Ngrams:
    return Ngrams(vectorizer.analyzer, _columns(vectorizer.vocabulary_), vectorizer.idf_,
                  vectorizer.ngram_range)  # fmt: skip


def _columns(vocabulary: dict) -> dict[str, int]:
    return {str(name): int(column) for name, column in vocabulary.items()}


def build_classifier(seed: int, c: float = 4.0) -> CalibratedClassifierCV:
    """Logistic regression with temperature scaling: one factor on the logits, so the
    probabilities are calibrated and the label stays the regression's own (per-class sigmoids
    could turn "Fortæl lidt om det." from open to none)."""
    classifier = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
    return CalibratedClassifierCV(
        classifier, method="temperature", cv=StratifiedKFold(5, shuffle=True, random_state=seed)
    )


def fit_classifier(matrix: sparse.csr_matrix, labels: list[str], seed: int) -> Calibrated:
    """`build_classifier(seed)` fitted, as the arrays the tagger uses."""
    return as_arrays(build_classifier(seed).fit(matrix, labels))


def as_arrays(fitted: CalibratedClassifierCV) -> Calibrated:
    """A fitted calibrated classifier's numbers: each fold's regression and temperature."""
    folds = fitted.calibrated_classifiers_
    classes = [str(label) for label in fitted.classes_]
    # each fold's regression has every class, label-encoded in the order of `classes`
    assert all(fold.estimator.classes_.tolist() == list(range(len(classes))) for fold in folds)
    return Calibrated(classes, np.stack([fold.estimator.coef_ for fold in folds]),
                      np.stack([fold.estimator.intercept_ for fold in folds]),
                      np.array([fold.calibrators[0].beta_ for fold in folds]))  # fmt: skip


def fit_models(
    items: list[Item], labelled: dict[str, tuple[list[int], list[str]]], seed: int,
    stop_words: frozenset[str] = frozenset(),
) -> dict[str, DimensionModel]:  # fmt: skip
    """Fit the shared features on every annotated item, then one classifier per dimension on
    its labelled rows: `labelled[dimension] = (row numbers in items, labels)`."""
    features = fit_features(items, stop_words)
    matrix = features.transform(items)
    return {name: DimensionModel(name, features, fit_classifier(matrix[rows], labels, seed))
            for name, (rows, labels) in labelled.items()}  # fmt: skip


def fit_on_units(model: DimensionModel, order: tuple[str, ...], sizes: list[int],
                 matrix: sparse.csr_matrix, labels: list[str],
                 seed: int) -> DimensionModel:  # fmt: skip
    """Refit a turn model on the units of its turns, as the tagger decides questions,
    reflections and input per unit: `matrix` holds the units' features, turn after turn, `sizes`
    how many units each turn has. The annotations label turns, so each unit's label is inferred:
    a one-unit turn's unit, and every unit of a turn labelled with the last label in `order`
    ("none", "no"), has the turn's label; in a longer turn, the unit the turn model finds likeliest
    to carry the turn's label carries it, and the others keep the model's label where it does not
    rank above the turn's."""
    probabilities = model.classifier.predict_proba(matrix)
    unit_labels, start = [], 0
    for size, label in zip(sizes, labels, strict=True):
        turn_p, start = probabilities[start : start + size], start + size
        unit_labels += _unit_labels(label, order, model.labels, turn_p)
    return DimensionModel(model.name, model.features,
                          fit_classifier(matrix, unit_labels, seed))  # fmt: skip


def _unit_labels(label: str, order: tuple[str, ...], classes: list[str],
                 probabilities: np.ndarray) -> list[str]:  # fmt: skip
    if len(probabilities) <= 1 or label == order[-1]:
        return [label] * len(probabilities)
    rank = order.index(label)
    guessed = [classes[i] for i in probabilities.argmax(axis=1)]
    labels = [g if order.index(g) >= rank else label for g in guessed]
    labels[int(probabilities[:, classes.index(label)].argmax())] = label
    return labels
