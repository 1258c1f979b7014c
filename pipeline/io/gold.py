"""Annotated turns: the project's own format, and AnnoMI's, mapped to the codebook.

Project format (CSV): id,language,role,context,text,question,reflection,input,agency,framing,
labels empty where a column does not apply to the role. AnnoMI (the public MI corpus) is read
directly: therapist turns become caseworker turns, the previous client turn is the context,
question_exists/question_subtype -> question, reflection_exists -> reflection,
therapist_input_exists -> input; where several annotators coded a turn, the majority label.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

LABEL_COLUMNS = ["question", "reflection", "input", "agency", "framing"]
COLUMNS = ["id", "language", "role", "context", "text", *LABEL_COLUMNS]
_ANNOMI_KEYS = {"utterance_text", "interlocutor", "transcript_id", "utterance_id"}


def read_annotations(path: Path, lang: str | None = None) -> pd.DataFrame:
    """One annotation or gold file (project or AnnoMI format) as a project-format table."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                        sep=_separator(path))  # fmt: skip
    if set(frame.columns) >= _ANNOMI_KEYS:
        frame = from_annomi(frame, lang or "en")
    missing = [c for c in ("role", "text") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = frame.copy()
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    if lang:
        frame["language"] = frame["language"].replace("", lang)
    return frame[COLUMNS + [c for c in frame.columns if c not in COLUMNS]]


def _separator(path: Path) -> str:
    """Comma, semicolon (Excel in a Danish locale) or tab: whichever the header line uses most."""
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    return max((",", ";", "\t"), key=header.count)


def read_folder(folder: Path) -> pd.DataFrame:
    """Every annotation CSV directly in a folder (not in sub-folders such as passes/)."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FileNotFoundError(folder)
    return pd.concat([read_annotations(f) for f in files], ignore_index=True)


def from_annomi(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = frame.assign(
        _t=frame["transcript_id"].astype(int), _u=frame["utterance_id"].astype(int)
    ).sort_values(["_t", "_u"])
    rows = []
    for (transcript, utterance), coded in frame.groupby(["_t", "_u"], sort=True):
        first = coded.iloc[0]
        rows.append({
            "id": f"annomi-{transcript}-{utterance}",
            "transcript": transcript,
            "speaker": first["interlocutor"],
            "text": first["utterance_text"],
            "question": _majority(coded.apply(_question, axis=1)),
            "reflection": _majority(coded["reflection_exists"].map(_yes_no)),
            "input": _majority(coded["therapist_input_exists"].map(_yes_no)),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    contexts, previous = [], {}
    for row in table.itertuples():
        other = "client" if row.speaker == "therapist" else "therapist"
        contexts.append(previous.get((row.transcript, other), ""))
        previous[(row.transcript, row.speaker)] = row.text
    table["context"] = contexts
    therapist = table[table["speaker"] == "therapist"].copy()
    therapist["role"] = "caseworker"
    therapist["language"] = lang
    therapist["agency"] = therapist["framing"] = ""
    return therapist.drop(columns=["speaker", "transcript"]).reset_index(drop=True)


def _question(row: pd.Series) -> str:
    if str(row["question_exists"]).lower() != "true":
        return "none"
    return str(row["question_subtype"]).lower() if row["question_subtype"] else "closed"


def _yes_no(value: object) -> str:
    return "yes" if str(value).lower() == "true" else "no"


def _majority(values: pd.Series) -> str:
    return str(values.value_counts().index[0])
