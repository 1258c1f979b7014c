"""Score a tagger on annotated turns: per-label precision, recall and F1, macro-F1, Cohen's kappa,
the expected calibration error of the probabilities and, for yes/no tags, the average precision
of the probability of "yes" (how well it ranks the turns that have the tag, at any threshold)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
)

from pipeline.agreement import kappa
from pipeline.taggers.schema import DIMENSIONS
from pipeline.taggers.tagger import Tagger

CALIBRATION_BINS = 10


def evaluate(tagger: Tagger, gold: pd.DataFrame) -> dict[str, dict]:
    """Scores per dimension on the gold rows that carry a label for it."""
    tagged = tagger.tag(gold["text"].tolist(), gold["role"].tolist(), gold["context"].tolist())
    scores = {}
    for dimension in DIMENSIONS:
        rows = [i for i, label in enumerate(gold[dimension.name]) if label]
        if not rows:
            continue
        truth = [gold[dimension.name].iat[i] for i in rows]
        predicted = [tagged[i].labels.get(dimension.name, dimension.labels[-1]) for i in rows]
        p = np.array([tagged[i].p.get(dimension.name, np.nan) for i in rows], dtype=float)
        scores[dimension.name] = score(list(dimension.labels), truth, predicted, p)
    return scores


def score(labels: list[str], truth: list[str], predicted: list[str], p: np.ndarray) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_label = {
        label: {"precision": round(float(pr), 4), "recall": round(float(rc), 4),
                "f1": round(float(f), 4), "support": int(s)}
        for label, pr, rc, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }  # fmt: skip
    correct = np.array([t == q for t, q in zip(truth, predicted, strict=True)])
    result = {
        "n": len(truth),
        "accuracy": round(float(correct.mean()), 4),
        "macro_f1": round(float(np.mean(f1)), 4),
        "kappa": None if (k := kappa(truth, predicted, labels)) is None else round(k, 4),
        "calibration_error": expected_calibration_error(p, correct),
        "labels": per_label,
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(truth, predicted, labels=labels).tolist()},
    }  # fmt: skip
    if labels == ["yes", "no"]:
        result["f1"] = per_label["yes"]["f1"]  # the F1 of the tag being there
        result["average_precision"] = _average_precision(truth, predicted, p)
    return result


def _average_precision(truth: list[str], predicted: list[str], p: np.ndarray) -> float | None:
    """Average precision of P(yes) (p is the probability of the label given); None without
    probabilities or without a turn that has the tag."""
    has_tag = np.array([t == "yes" for t in truth])
    if np.isnan(p).any() or not has_tag.any():
        return None
    p_yes = np.where([q == "yes" for q in predicted], p, 1 - p)
    return round(float(average_precision_score(has_tag, p_yes)), 4)


def expected_calibration_error(p: np.ndarray, correct: np.ndarray) -> float | None:
    """Mean |confidence - accuracy| over equal-width bins, weighted by bin size."""
    known = ~np.isnan(p)
    if not known.any():
        return None
    p, correct = p[known], correct[known]
    bins = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    error = sum(
        abs(p[bins == b].mean() - correct[bins == b].mean()) * (bins == b).sum()
        for b in np.unique(bins)
    )
    return round(float(error / len(p)), 4)
