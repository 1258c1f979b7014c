"""Validate the tags on your own data: export a stratified random sample of tagged turns as a
blank annotation sheet (CSV for Excel), and score a filled-in sheet against the tagger.

The sheet is in the gold format (docs/data_dictionary.md) and shows no model labels, so people
annotate blind. Strata are role x the tagger's main label (act for caseworker turns, agency for
citizen turns), equal-sized where the strata allow, so rare labels are seen too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.agreement import kappa, krippendorff_alpha
from pipeline.io.gold import COLUMNS, LABEL_COLUMNS, read_annotations
from pipeline.taggers.schema import BY_NAME, dimensions_for
from pipeline.taggers.tagger import Tagger
from pipeline.tagging import previous_turns, roles_of

STRATUM_LABEL = {"caseworker": "act", "citizen": "agency"}
SEPARATOR = ";"  # Excel in a Danish locale splits CSV on semicolons
SYNONYMS = {"ja": "yes", "nej": "no", "true": "yes", "false": "no", "sand": "yes", "falsk": "no",
            "j": "yes", "n": "no", "y": "yes"}  # fmt: skip


def export_sample(turns: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """A blank annotation sheet of `n` tagged caseworker and citizen turns (fewer if there are
    fewer), stratified by role and the tagger's label, in random order."""
    roles = roles_of(turns)
    frame = turns.assign(role=roles, context=previous_turns(turns, roles))
    frame = frame[frame["role"].isin(STRATUM_LABEL)]
    strata = frame.apply(lambda row: (row["role"], row[STRATUM_LABEL[row["role"]]]), axis=1)
    rng = np.random.default_rng(seed)
    groups = {key: list(index) for key, index in frame.groupby(strata).groups.items()}
    quota = allocate({key: len(rows) for key, rows in groups.items()}, n)
    chosen = [i for key, rows in sorted(groups.items()) for i in
              rng.choice(rows, size=quota[key], replace=False)]  # fmt: skip
    sample = frame.loc[chosen].iloc[rng.permutation(len(chosen))]
    sheet = pd.DataFrame({
        "id": sample["conversation_id"].astype(str) + ":" + sample["turn"].astype(str),
        "language": sample["language"], "role": sample["role"], "context": sample["context"],
        "text": sample["text"],
    })  # fmt: skip
    for column in LABEL_COLUMNS:
        sheet[column] = ""
    return sheet[COLUMNS].reset_index(drop=True)


def allocate(sizes: dict, n: int) -> dict:
    """Split `n` as evenly as the stratum sizes allow; what a small stratum cannot take goes to
    the others."""
    quota = dict.fromkeys(sizes, 0)
    left = min(n, sum(sizes.values()))
    while left:
        open_strata = sorted(k for k in sizes if quota[k] < sizes[k])
        share = max(left // len(open_strata), 1)
        for key in open_strata:
            take = min(share, sizes[key] - quota[key], left)
            quota[key] += take
            left -= take
            if not left:
                break
    return quota


def write_sheet(sheet: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(path, index=False, sep=SEPARATOR, encoding="utf-8-sig")


@dataclass(frozen=True)
class Problem:
    line: int  # the line in the file (the header is line 1)
    column: str
    value: str


def read_filled(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """A filled-in sheet with labels normalised ("ja" -> "yes"); a label that is not one of the
    codebook's is reported with its line and left out, the rest of the row is kept."""
    frame = read_annotations(path)
    problems = []
    for column in LABEL_COLUMNS:
        allowed = set(BY_NAME[column].labels)
        values = frame[column].str.strip().str.lower().replace(SYNONYMS)
        bad = (values != "") & ~values.isin(allowed)
        problems += [Problem(i + 2, column, frame[column].iat[i]) for i in np.flatnonzero(bad)]
        frame[column] = values.where(~bad, "")
    return frame, problems


def agreement_report(frame: pd.DataFrame, tagger: Tagger) -> dict[str, dict]:
    """Per dimension, on the rows a person labelled: Cohen's kappa and Krippendorff's alpha
    between the person and the tagger, and the share where they agree."""
    tagged = tagger.tag(frame["text"].tolist(), frame["role"].tolist(),
                        frame["context"].tolist())  # fmt: skip
    report = {}
    for dimension in {d for role in STRATUM_LABEL for d in dimensions_for(role)}:
        rows = [i for i, label in enumerate(frame[dimension.name]) if label]
        if not rows:
            continue
        human = [frame[dimension.name].iat[i] for i in rows]
        model = [tagged[i].labels.get(dimension.name, dimension.labels[-1]) for i in rows]
        value = kappa(human, model, list(dimension.labels))
        agree = np.mean([h == m for h, m in zip(human, model, strict=True)])
        report[dimension.name] = {
            "n": len(rows),
            "agreement": round(float(agree), 4),
            "kappa": None if value is None else round(value, 4),
            "alpha": round(krippendorff_alpha([human, model]), 4),
        }
    return dict(sorted(report.items(), key=lambda item: LABEL_COLUMNS.index(item[0])))
