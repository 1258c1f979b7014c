"""Train the model backend from the project's annotations, and calibrate the rules backend."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.config import Config
from pipeline.io.gold import read_folder
from pipeline.nlp.pack import TurnAnalysis
from pipeline.taggers.features import Item
from pipeline.taggers.fitting import SKLEARN_VERSION, fit_models, fit_on_units
from pipeline.taggers.model import save_models
from pipeline.taggers.schema import BY_NAME, DIMENSIONS
from pipeline.taggers.tagger import ROLL_UP_FROM_UNITS, RULES_CALIBRATION, Tagger

if TYPE_CHECKING:
    from scipy import sparse


def train(lang: str, config: Config, annotations: Path, models: Path, seed: int = 0,
          dimensions: list[str] | None = None) -> dict:  # fmt: skip
    """Fit one classifier per dimension on data/annotations/<lang>/ and save to models/<lang>/
    (only the given `dimensions` for the transformer backend, whose training is slow)."""
    frame = read_folder(annotations / lang)
    frame = frame[frame["language"].isin(["", lang])].reset_index(drop=True)
    rules = Tagger(lang, config, backend="rules")
    tagged = rules.tag(frame["text"].tolist(), frame["role"].tolist(), frame["context"].tolist())
    analyses = [TurnAnalysis(text, [unit for unit, _ in t.units])
                for text, t in zip(frame["text"], tagged, strict=True)]  # fmt: skip
    items = [Item(a, c, t.labels) for a, c, t in zip(analyses, frame["context"], tagged,
                                                     strict=True)]  # fmt: skip
    labelled, calibration, sizes = {}, {}, {}
    for dimension in DIMENSIONS:
        rows = [i for i, label in enumerate(frame[dimension.name]) if label]
        if not rows:
            continue
        labels = [frame.at[i, dimension.name] for i in rows]
        labelled[dimension.name] = (rows, labels)
        calibration[dimension.name] = _rule_precision(
            [tagged[i].labels[dimension.name] for i in rows], labels
        )
        sizes[dimension.name] = dict(Counter(labels))
    fitted = fit_models(items, labelled, seed, rules.pack.stop_words)
    unit_features: dict[tuple[int, ...], tuple[list[int], sparse.csr_matrix]] = {}
    for name in ROLL_UP_FROM_UNITS:  # decided per unit: refit on units
        if name in fitted:
            rows, labels = labelled[name]
            if tuple(rows) not in unit_features:  # the dimensions of a role share rows, features
                units = [Item.of_unit(unit, frame.at[i, "context"], tags.labels)
                         for i in rows for unit, tags in tagged[i].units]  # fmt: skip
                unit_features[tuple(rows)] = ([len(tagged[i].units) for i in rows],
                                              fitted[name].features.transform(units))  # fmt: skip
            fitted[name] = fit_on_units(fitted[name], BY_NAME[name].labels,
                                        *unit_features[tuple(rows)], labels, seed)  # fmt: skip
    folder = models / lang
    meta = {"language": lang, "seed": seed, "turns": len(frame), "labels": sizes,
            "annotations_sha256": _digest(frame), "sklearn": SKLEARN_VERSION}  # fmt: skip
    save_models(fitted, folder, meta)
    (folder / RULES_CALIBRATION).write_text(json.dumps(calibration, indent=2) + "\n")
    if str(config.get("tagger.backend", "model")) == "transformer":
        meta["transformer"] = _train_transformer(lang, config, frame, analyses, tagged, folder,
                                                 meta, seed, dimensions)  # fmt: skip
    return meta


def _train_transformer(lang: str, config: Config, frame: pd.DataFrame, analyses: list,
                       tagged: list, folder: Path, meta: dict, seed: int,
                       dimensions: list[str] | None) -> dict:  # fmt: skip
    """Fine-tune the local encoder per dimension into models/<lang>/transformer/."""
    from pipeline.taggers import transformer  # torch only for this backend

    options = transformer.settings(config.get("tagger.transformer"))
    base = transformer.model_path(options, lang)
    fitted, records = {}, {}
    for dimension in DIMENSIONS:
        rows = [i for i, label in enumerate(frame[dimension.name]) if label]
        if not rows or (dimensions and dimension.name not in dimensions):
            continue
        items = [Item(analyses[i], frame.at[i, "context"], tagged[i].labels) for i in rows]
        labels = [frame.at[i, dimension.name] for i in rows]
        fitted[dimension.name], records[dimension.name] = transformer.fit_transformer(
            dimension.name, items, labels, base, seed, options)  # fmt: skip
    transformer.save(fitted, folder, {**meta, "base": str(base), "training": records})
    return records


def _rule_precision(predicted: list[str], gold: list[str]) -> dict[str, float]:
    """P(gold label = rule label | rule label): the rules backend's calibrated probability."""
    totals = Counter(predicted)
    right = Counter(p for p, g in zip(predicted, gold, strict=True) if p == g)
    return {label: (right[label] + 1) / (totals[label] + 2) for label in totals}


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
