"""Agreement between annotators (or between people and the tagger): Cohen's kappa for two,
Krippendorff's alpha (nominal) for any number, and a report over annotation passes."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from itertools import combinations, permutations
from pathlib import Path

import pandas as pd
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score

from pipeline.io.gold import LABEL_COLUMNS


def krippendorff_alpha(codings: list[list[str]]) -> float:
    """Nominal alpha; `codings[c][i]` is coder c's label for unit i ("" = not coded)."""
    coincidences: Counter[tuple[str, str]] = Counter()
    for values in zip(*codings, strict=True):
        coded = [v for v in values if v != ""]
        if len(coded) < 2:
            continue
        for a, b in permutations(range(len(coded)), 2):
            coincidences[(coded[a], coded[b])] += 1 / (len(coded) - 1)
    totals: Counter[str] = Counter()
    for (a, _), weight in coincidences.items():
        totals[a] += weight
    n = sum(totals.values())
    if n <= 1:
        return float("nan")
    observed = sum(w for (a, b), w in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n - 1)
    return 1.0 if expected == 0 else 1 - observed / expected


def kappa(a: list[str], b: list[str], labels: list[str] | None = None) -> float | None:
    """Cohen's kappa, or None where it is undefined (a single label on both sides)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)  # a single label: kappa is undefined
        value = float(cohen_kappa_score(a, b, labels=labels))
    return None if math.isnan(value) else value


def pass_agreement(folder: Path) -> pd.DataFrame:
    """Per part and dimension: kappa between every pair of passes and alpha over all of them.

    `folder/passes/<part>.<pass>.csv` hold one pass each (id + label columns).
    """
    rows = []
    passes: dict[str, dict[str, pd.DataFrame]] = {}
    for path in sorted((folder / "passes").glob("*.csv")):
        part, name = path.stem.rsplit(".", 1)
        passes.setdefault(part, {})[name] = pd.read_csv(
            path, dtype=str, keep_default_na=False
        ).set_index("id")
    for part, coded in passes.items():
        names = sorted(coded)
        for dimension in LABEL_COLUMNS:
            first = coded[names[0]][dimension]
            ids = first.index[first != ""]
            if ids.empty:
                continue
            labels = {name: coded[name].loc[ids, dimension].tolist() for name in names}
            row = {"part": part, "dimension": dimension, "n": len(ids)}
            for x, y in combinations(names, 2):
                value = kappa(labels[x], labels[y])
                row[f"kappa_{x}_{y}"] = None if value is None else round(value, 3)
            row["alpha"] = round(krippendorff_alpha([labels[n] for n in names]), 3)
            rows.append(row)
    return pd.DataFrame(rows)
