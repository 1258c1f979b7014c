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
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from pipeline.taggers.features import Item, ItemFeatures

CONTEXT_DIMENSIONS = ("reflection",)  # the other speaker's turn helps to see a reflection


class LabelModel(Protocol):
    """What the Tagger needs of a model: its labels and their probabilities for items."""

    @property
    def labels(self) -> list[str]: ...

    def proba(self, items: list[Item]) -> np.ndarray: ...


@dataclass
class DimensionModel:
    name: str
    pipeline: Pipeline

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.pipeline.classes_]

    def proba(self, items: list[Item]) -> np.ndarray:
        return self.pipeline.predict_proba(items)


def build_pipeline(dimension: str, seed: int, c: float = 4.0) -> Pipeline:
    classifier = LogisticRegression(C=c, max_iter=4000, class_weight="balanced")
    calibrated = CalibratedClassifierCV(
        classifier, method="sigmoid", cv=StratifiedKFold(5, shuffle=True, random_state=seed)
    )
    return Pipeline([
        ("features", ItemFeatures(use_context=dimension in CONTEXT_DIMENSIONS)),
        ("classifier", calibrated),
    ])  # fmt: skip


def fit_dimension(
    dimension: str, items: list[Item], labels: list[str], seed: int
) -> DimensionModel:
    pipeline = build_pipeline(dimension, seed)
    pipeline.fit(items, labels)
    return DimensionModel(dimension, pipeline)


def save_models(models: dict[str, DimensionModel], folder: Path, meta: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        joblib.dump(model.pipeline, folder / f"{name}.joblib")
    meta = {**meta, "sklearn": sklearn.__version__, "dimensions": sorted(models)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")


def load_models(folder: Path) -> dict[str, DimensionModel]:
    """The saved models of one language; a clear error when they have not been trained."""
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(folder)
    meta = json.loads(meta_path.read_text())
    return {name: DimensionModel(name, joblib.load(folder / f"{name}.joblib"))
            for name in meta["dimensions"]}  # fmt: skip
