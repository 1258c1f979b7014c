"""The model backend: one calibrated scikit-learn classifier per dimension, trained on the
project's own annotations (data/annotations/<lang>/) and saved under models/<lang>/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from pipeline.taggers.features import Item, ItemFeatures

MODELS_FILE = "models.joblib"


class LabelModel(Protocol):
    """What the Tagger needs of a model: its labels and their probabilities for items."""

    @property
    def labels(self) -> list[str]: ...

    def proba(self, items: list[Item]) -> np.ndarray: ...


@dataclass
class DimensionModel:
    """One dimension's classifier on features shared by every dimension of the language."""

    name: str
    features: ItemFeatures
    classifier: CalibratedClassifierCV

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.classifier.classes_]

    def proba(self, items: list[Item]) -> np.ndarray:
        return predict([self], items)[0]


def predict(models: list[LabelModel], items: list[Item]) -> list[np.ndarray]:
    """Each model's probabilities for the same items. Models that share their features (the
    scikit-learn ones of a language) featurise the items once between them."""
    matrices: dict[int, sparse.csr_matrix] = {}
    results = []
    for model in models:
        if not isinstance(model, DimensionModel):
            results.append(model.proba(items))
            continue
        features = model.features
        if id(features) not in matrices:
            matrices[id(features)] = features.transform(items)
        results.append(model.classifier.predict_proba(matrices[id(features)]))
    return results


def build_classifier(seed: int, c: float = 4.0) -> CalibratedClassifierCV:
    """Logistic regression with temperature scaling: one factor on the logits, so the
    probabilities are calibrated and the label stays the regression's own (per-class sigmoids
    could turn "Fortæl lidt om det." from open to none)."""
    classifier = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
    return CalibratedClassifierCV(
        classifier, method="temperature", cv=StratifiedKFold(5, shuffle=True, random_state=seed)
    )


def fit_models(
    items: list[Item], labelled: dict[str, tuple[list[int], list[str]]], seed: int,
    stop_words: frozenset[str] = frozenset(),
) -> dict[str, DimensionModel]:  # fmt: skip
    """Fit the shared features on every annotated item, then one classifier per dimension on
    its labelled rows: `labelled[dimension] = (row numbers in items, labels)`."""
    features = ItemFeatures(stop_words=stop_words).fit(items)
    matrix = features.transform(items)
    return {name: DimensionModel(name, features, build_classifier(seed).fit(matrix[rows], labels))
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
                          build_classifier(seed).fit(matrix, unit_labels))  # fmt: skip


def _unit_labels(label: str, order: tuple[str, ...], classes: list[str],
                 probabilities: np.ndarray) -> list[str]:  # fmt: skip
    if len(probabilities) <= 1 or label == order[-1]:
        return [label] * len(probabilities)
    rank = order.index(label)
    guessed = [classes[i] for i in probabilities.argmax(axis=1)]
    labels = [g if order.index(g) >= rank else label for g in guessed]
    labels[int(probabilities[:, classes.index(label)].argmax())] = label
    return labels


def save_models(models: dict[str, DimensionModel], folder: Path, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    features = next(iter(models.values())).features if models else None
    classifiers = {name: model.classifier for name, model in models.items()}
    joblib.dump({"features": features, "classifiers": classifiers}, folder / MODELS_FILE)
    meta = {**meta, "sklearn": sklearn.__version__, "dimensions": sorted(models)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def load_models(folder: Path) -> dict[str, DimensionModel]:
    """The saved models of one language; a clear error when they have not been trained."""
    if not (folder / "meta.json").is_file() or not (folder / MODELS_FILE).is_file():
        raise FileNotFoundError(folder)
    saved = joblib.load(folder / MODELS_FILE)
    return {name: DimensionModel(name, saved["features"], classifier)
            for name, classifier in saved["classifiers"].items()}  # fmt: skip
