"""Tag a turn table: every input column kept, the turn-level tag columns added, and a unit table.

Turn columns per dimension: `<dim>` (label; `reflection` and `input` as True/False), `<dim>_p`
(calibrated probability of that label) and `<dim>_evidence` (the matched words). `act` is the
caseworker's main act by the codebook's roll-up. Columns that do not apply to a turn's role
are empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.config import Config
from pipeline.taggers.schema import ACT, BOOLEAN, DIMENSIONS, EVIDENCE_SEPARATOR

if TYPE_CHECKING:  # imported where a table is tagged: the taggers load spaCy and scikit-learn
    from pipeline.nlp.pack import Hit
    from pipeline.taggers.tagger import Tagged, Tagger

TAG_NAMES = [d.name for d in DIMENSIONS] + [ACT.name]
ROLES = ("caseworker", "citizen", "other")
UNIT_KEYS = ("conversation_id", "caseworker_id", "date", "language", "turn", "speaker")


LANGUAGES = ("da", "en")


class TableError(ValueError):
    """The table lacks what tagging needs. `key` names a text in pipeline/locale (table.*)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key, self.params = key, params

    def __reduce__(self) -> tuple:  # raised on a worker process, re-raised here
        return _table_error, (self.key, self.params)


def _table_error(key: str, params: dict) -> TableError:
    return TableError(key, **params)


def tag_table(
    frame: pd.DataFrame, config: Config, lang: str | None = None, backend: str | None = None,
    taggers: dict[str, Tagger] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Return (turns with tags, units with tags). The input frame is not changed."""
    from pipeline.taggers.tagger import Tagger

    roles = roles_of(frame)
    languages = _languages(frame, lang)
    contexts = previous_turns(frame, roles)
    backend = backend or str(config.get("tagger.backend", "model"))
    taggers = taggers if taggers is not None else {}
    tagged: list[Tagged | None] = [None] * len(frame)
    for language in sorted(set(languages)):
        if language not in taggers:
            taggers[language] = Tagger(language, config, backend)
        rows = [i for i, value in enumerate(languages) if value == language]
        texts = frame["text"].astype(str).iloc[rows].tolist()
        results = taggers[language].tag(
            texts, [roles[i] for i in rows], [contexts[i] for i in rows]
        )
        for i, result in zip(rows, results, strict=True):
            tagged[i] = result
    turns = frame.copy()
    for column, values in _turn_columns(tagged, roles).items():
        turns[column] = values
    return turns, _unit_table(frame, tagged, roles)


def roles_of(frame: pd.DataFrame) -> list[str]:
    column = "role" if "role" in frame.columns else "speaker"
    if "text" not in frame.columns or column not in frame.columns:
        raise TableError("columns")
    roles = frame[column].astype(str).str.strip().str.lower().tolist()
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise TableError("roles", column=column, values=", ".join(unknown))
    return roles


def _languages(frame: pd.DataFrame, lang: str | None) -> list[str]:
    if lang:
        languages = [lang] * len(frame)
    elif "language" in frame.columns:
        languages = frame["language"].astype(str).str.strip().str.lower().tolist()
    else:
        raise TableError("language")
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise TableError("languages", values=", ".join(unknown))
    return languages


def previous_turns(frame: pd.DataFrame, roles: list[str]) -> list[str]:
    """The other speaker's previous turn: the `context` column, else from conversation order."""
    if "context" in frame.columns:
        return frame["context"].fillna("").astype(str).tolist()
    conversations = (frame["conversation_id"].astype(str).tolist()
                     if "conversation_id" in frame.columns else [""] * len(frame))  # fmt: skip
    order = np.arange(len(frame))
    if "turn" in frame.columns:
        order = np.lexsort((pd.to_numeric(frame["turn"], errors="coerce").fillna(0), conversations))
    texts = frame["text"].astype(str).tolist()
    contexts = [""] * len(frame)
    last: dict[tuple[str, str], tuple[int, str]] = {}  # (conversation, role) -> (step, text)
    for step, i in enumerate(order):
        earlier = [last[(conversations[i], r)] for r in ROLES
                   if r != roles[i] and (conversations[i], r) in last]  # fmt: skip
        contexts[i] = max(earlier)[1] if earlier else ""
        last[(conversations[i], roles[i])] = (step, texts[i])
    return contexts


def _turn_columns(tagged: list[Tagged | None], roles: list[str]) -> dict[str, list]:
    columns: dict[str, list] = {}
    for name in TAG_NAMES:
        labels = [t.labels.get(name) if t else None for t in tagged]
        columns[name] = [_value(name, label) for label in labels]
        columns[f"{name}_p"] = [t.p.get(name, np.nan) if t and name in t.labels else np.nan
                                for t in tagged]  # fmt: skip
        if name != ACT.name:
            columns[f"{name}_evidence"] = [_evidence(t.evidence.get(name, [])) if t else ""
                                           for t in tagged]  # fmt: skip
    columns["units"] = [len(t.units) if t else 0 for t in tagged]
    return columns


def _unit_table(frame: pd.DataFrame, tagged: list[Tagged | None], roles: list[str]) -> pd.DataFrame:
    keys = [c for c in UNIT_KEYS if c in frame.columns]
    rows = list(_unit_rows(frame, tagged, roles, keys))
    columns = [*keys, "role", "unit_index", "text", "start_char", "end_char"]
    for name in TAG_NAMES:
        columns += [name, f"{name}_p"] + ([f"{name}_evidence"] if name != ACT.name else [])
    columns.append("patterns")
    return pd.DataFrame(rows, columns=columns)


def _unit_rows(frame: pd.DataFrame, tagged: list[Tagged | None], roles: list[str],
               keys: list[str]) -> Iterator[dict]:  # fmt: skip
    values = {key: frame[key].tolist() for key in keys}
    for i, turn in enumerate(tagged):
        if turn is None:
            continue
        base = {key: column[i] for key, column in values.items()}
        for unit, tags in turn.units:
            row = {**base, "role": roles[i], "unit_index": unit.index, "text": unit.text,
                   "start_char": unit.start, "end_char": unit.end}  # fmt: skip
            for name in TAG_NAMES:
                row[name] = _value(name, tags.labels.get(name))
                row[f"{name}_p"] = tags.p.get(name, np.nan) if name in tags.labels else np.nan
                if name != ACT.name:
                    row[f"{name}_evidence"] = _evidence(tags.evidence.get(name, []))
            row["patterns"] = "; ".join(f"{h.group}: {h.text}" for h in unit.hits)
            yield row


def output_schemas(source: pa.Schema) -> tuple[pa.Schema, pa.Schema]:
    """The Arrow schemas of the turn and unit tables that `tag_table` makes from a table with
    the `source` schema, so that tables written in chunks have one type per column."""
    tags = []
    for name in TAG_NAMES:
        tags += [pa.field(name, pa.bool_() if name in BOOLEAN else pa.large_string()),
                 pa.field(f"{name}_p", pa.float64())]  # fmt: skip
        if name != ACT.name:
            tags.append(pa.field(f"{name}_evidence", pa.large_string()))
    added = {field.name for field in tags} | {"units"}
    source = source.remove_metadata()
    turns = pa.schema([*(f for f in source if f.name not in added), *tags,
                       pa.field("units", pa.int64())])  # fmt: skip
    text, integer = pa.large_string(), pa.int64()
    units = pa.schema([
        *(source.field(key) for key in UNIT_KEYS if key in source.names),
        pa.field("role", text), pa.field("unit_index", integer), pa.field("text", text),
        pa.field("start_char", integer), pa.field("end_char", integer), *tags,
        pa.field("patterns", text),
    ])  # fmt: skip
    return turns, units


def _value(name: str, label: str | None) -> object:
    if label is None:
        return None
    return label == "yes" if name in BOOLEAN else label


def _evidence(hits: list[Hit]) -> str:
    return EVIDENCE_SEPARATOR.join(dict.fromkeys(hit.text for hit in hits))
