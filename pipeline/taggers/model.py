"""The model backend: one calibrated classifier per dimension, trained on the project's own
annotations (data/annotations/<lang>/, `pipeline.taggers.fitting`) and saved under
models/<lang>/ as plain arrays in one .npz file: loading runs no pickled code and tagging needs
numpy and SciPy, not scikit-learn."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse

from pipeline.taggers.features import Item, ItemFeatures, Ngrams

MODELS_FILE = "models.npz"


class LabelModel(Protocol):
    """What the Tagger needs of a model: its labels and their probabilities for items."""

    @property
    def labels(self) -> list[str]: ...

    def proba(self, items: list[Item]) -> np.ndarray: ...


@dataclass
class Calibrated:
    """Logistic regression with temperature scaling as scikit-learn's CalibratedClassifierCV
    (method "temperature") fits it: one regression and one temperature per cross-validation fold,
    the probabilities being the mean over the folds of softmax(beta * logits)."""

    classes: list[str]
    coef: np.ndarray  # folds x classes (one row for two classes) x features
    intercept: np.ndarray  # folds x classes
    beta: np.ndarray  # folds

    def predict_proba(self, matrix: sparse.csr_matrix) -> np.ndarray:
        total = np.zeros((matrix.shape[0], len(self.classes)))
        for coef, intercept, beta in zip(self.coef, self.intercept, self.beta, strict=True):
            scores = np.asarray(matrix @ coef.T) + intercept
            logits = np.hstack([-scores, scores]) if scores.shape[1] == 1 else scores
            total += _softmax(beta * logits)
        total /= len(self.beta)
        total[(total > 1.0) & (total <= 1.0 + 1e-5)] = 1.0
        return total


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class DimensionModel:
    """One dimension's classifier on features shared by every dimension of the language."""

    name: str
    features: ItemFeatures
    classifier: Calibrated

    @property
    def labels(self) -> list[str]:
        return self.classifier.classes

    def proba(self, items: list[Item]) -> np.ndarray:
        return predict([self], items)[0]


@dataclass
class Blend:
    """The mean of several models' probabilities for one dimension, label by label (the
    transformer backend blends its fine-tuned encoder with the scikit-learn model)."""

    models: tuple[LabelModel, ...]

    @property
    def labels(self) -> list[str]:
        return self.models[0].labels

    def proba(self, items: list[Item]) -> np.ndarray:
        return predict([self], items)[0]

    def mean(self, probabilities: list[np.ndarray]) -> np.ndarray:
        """The mean of the models' probabilities (in their order), in this blend's label order."""
        aligned = [p[:, [m.labels.index(label) for label in self.labels]]
                   for m, p in zip(self.models, probabilities, strict=True)]  # fmt: skip
        return np.mean(aligned, axis=0)


def predict(models: list[LabelModel], items: list[Item]) -> list[np.ndarray]:
    """Each model's probabilities for the same items. Models that share their features (those
    of a language, also inside blends) featurise the items once between them."""
    matrices: dict[int, sparse.csr_matrix] = {}

    def probabilities(model: LabelModel) -> np.ndarray:
        if isinstance(model, Blend):
            return model.mean([probabilities(m) for m in model.models])
        if not isinstance(model, DimensionModel):
            return model.proba(items)
        features = model.features
        if id(features) not in matrices:
            matrices[id(features)] = features.transform(items)
        return model.classifier.predict_proba(matrices[id(features)])

    return [probabilities(model) for model in models]


def save_models(models: dict[str, DimensionModel], folder: Path, meta: dict) -> None:
    """models/<lang>/models.npz (the numbers; strings as unicode arrays) and meta.json."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    settings: dict = {"dimensions": {}}
    if models:
        features = next(iter(models.values())).features
        arrays["symbolic"] = _in_column_order(features.symbolic)
        arrays["stop_words"] = np.array(sorted(features.stop_words), dtype=str)
        for part, ngrams in (("words", features.words), ("chars", features.chars)):
            arrays[f"{part}.vocabulary"] = _in_column_order(ngrams.vocabulary_)
            arrays[f"{part}.idf"] = ngrams.idf_
            settings[part] = {"analyzer": ngrams.analyzer, "ngram_range": ngrams.ngram_range}
        settings["symbolic_weight"] = features.symbolic_weight
    for name, model in models.items():
        settings["dimensions"][name] = model.classifier.classes
        for part in ("coef", "intercept", "beta"):
            arrays[f"{name}.{part}"] = getattr(model.classifier, part)
    arrays["settings"] = np.array(json.dumps(settings))
    np.savez_compressed(folder / MODELS_FILE, **arrays)
    meta = {**meta, "dimensions": sorted(models)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def load_models(folder: Path) -> dict[str, DimensionModel]:
    """The saved models of one language; a clear error when they have not been trained."""
    if not (folder / "meta.json").is_file() or not (folder / MODELS_FILE).is_file():
        raise FileNotFoundError(folder)
    with np.load(folder / MODELS_FILE, allow_pickle=False) as saved:
        arrays = dict(saved)
    settings = json.loads(str(arrays["settings"]))
    if not settings["dimensions"]:
        return {}
    ngrams = {part: Ngrams(settings[part]["analyzer"], _columns(arrays[f"{part}.vocabulary"]),
                           arrays[f"{part}.idf"], tuple(settings[part]["ngram_range"]))
              for part in ("words", "chars")}  # fmt: skip
    features = ItemFeatures(
        _columns(arrays["symbolic"]),
        ngrams["words"],
        ngrams["chars"],
        settings["symbolic_weight"],
        frozenset(arrays["stop_words"].tolist()),
    )
    return {name: DimensionModel(name, features, Calibrated(
                classes, arrays[f"{name}.coef"], arrays[f"{name}.intercept"],
                arrays[f"{name}.beta"]))
            for name, classes in settings["dimensions"].items()}  # fmt: skip


def _in_column_order(columns: dict[str, int]) -> np.ndarray:
    names = [""] * len(columns)
    for name, column in columns.items():
        names[column] = name
    return np.array(names, dtype=str)


def _columns(names: np.ndarray) -> dict[str, int]:
    return {name: column for column, name in enumerate(names.tolist())}
