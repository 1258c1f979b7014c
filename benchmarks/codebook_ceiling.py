"""How close can labels that follow the codebook come to AnnoMI's expert labels?

AnnoMI's experts code by function and call some questions open that this project's codebook calls
closed (asking permission, "Is that right?", questions for one fact). This script draws a random
sample of an AnnoMI file's therapist turns as a blank sheet for annotators who apply the codebook
blind, and then scores their labels and the tagger's against AnnoMI's majority label on the same
turns, so the tagger's gap can be split into the codebook's share and the tagger's own.

    python benchmarks/codebook_ceiling.py sheet ../shared/data/annomi/dev.csv --lang en \
        --n 500 --out /tmp/ceiling/en_items.csv
    (two annotators fill in question, reflection, input per id, blind, as A.csv and B.csv)
    python benchmarks/codebook_ceiling.py score ../shared/data/annomi/dev.csv --lang en \
        --sheet /tmp/ceiling/en_items.csv --coders A.csv B.csv

The sheets and the annotators' labels are made from the evaluation data: keep them out of the
repository.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

DIMENSIONS = {"question": ["open", "closed", "none"], "reflection": ["yes"], "input": ["yes"]}


def therapist_turns(annomi: Path, lang: str) -> pd.DataFrame:
    from pipeline.io.gold import read_annotations

    turns = read_annotations(annomi, lang)
    return turns[turns["role"] == "caseworker"].set_index("id")


def score(truth: pd.Series, labels: pd.Series, dimension: str) -> float:
    """Macro-F1 over open/closed/none for questions, F1 of "yes" for the others."""
    truth, labels = np.asarray(truth), np.asarray(labels)
    f1 = []
    for label in DIMENSIONS[dimension]:
        hits = np.sum((truth == label) & (labels == label))
        total = np.sum(truth == label) + np.sum(labels == label)
        f1.append(2 * hits / total if total else 0.0)
    return float(np.mean(f1))


def tagger_labels(turns: pd.DataFrame, lang: str) -> pd.DataFrame:
    from pipeline.config import Config
    from pipeline.tagging import tag_table

    frame = turns.reset_index()[["id", "context", "text"]].assign(language=lang, role="caseworker")
    tagged = tag_table(frame, Config.load(), backend="model")[0].set_index("id")
    yes_no = {True: "yes", False: "no"}
    return tagged.assign(**{d: tagged[d].map(yes_no) for d in ("reflection", "input")})


def interval(truth: pd.Series, labels: pd.Series, dimension: str, seed: int = 0) -> str:
    """95 % bootstrap interval of the score over the sampled turns."""
    rng, n = np.random.default_rng(seed), len(truth)
    draws = [rng.integers(0, n, n) for _ in range(1000)]
    scores = [score(truth.iloc[d], labels.iloc[d], dimension) for d in draws]
    low, high = np.percentile(scores, [2.5, 97.5])
    return f"({low:.3f}–{high:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("sheet", "score"))
    parser.add_argument("annomi", type=Path)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--coders", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    turns = therapist_turns(args.annomi, args.lang)
    if args.action == "sheet":
        sample = turns.sample(min(args.n, len(turns)), random_state=args.seed)
        sample[["context", "text"]].to_csv(args.out)
        print(f"{len(sample)} turns -> {args.out}")
        return
    ids = pd.read_csv(args.sheet)["id"]
    truth = turns.loc[ids]
    coders = {path.stem: pd.read_csv(path).set_index("id").loc[ids] for path in args.coders}
    tagger = tagger_labels(truth, args.lang)
    print(f"{len(ids)} turns, scored against AnnoMI's majority label")
    for dimension in DIMENSIONS:
        row = [f"{name} {score(truth[dimension], c[dimension], dimension):.3f} "
               f"{interval(truth[dimension], c[dimension], dimension)}"
               for name, c in coders.items()]  # fmt: skip
        row.append(f"tagger {score(truth[dimension], tagger[dimension], dimension):.3f}")
        row += [f"tagger vs {name} {score(c[dimension], tagger[dimension], dimension):.3f}"
                for name, c in coders.items()]  # fmt: skip
        if len(coders) == 2:
            first, second = coders.values()
            row.append(f"kappa between coders "
                       f"{cohen_kappa_score(first[dimension], second[dimension]):.3f}")  # fmt: skip
        print(f"{dimension:10s} " + " | ".join(row))


if __name__ == "__main__":
    main()
