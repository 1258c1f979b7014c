"""The pipeline's stages as functions; the CLI and dvc.yaml only call these.

The taggers (spaCy, scikit-learn) are imported by the stages that tag, so that the stages that
only count and draw start quickly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from pipeline.corpus_tagging import TagCounts

from pipeline.aggregation import (
    META_COLUMNS,
    TURN_INPUTS,
    UNIT_INPUTS,
    period_of,
    summarise,
    summary_options,
)
from pipeline.caching import cache_folder
from pipeline.config import Config
from pipeline.figures import NAMES
from pipeline.figures_cache import FiguresCache, SummaryCache
from pipeline.history import update_history, withdrawn_conversations
from pipeline.io.chunks import read_conversation_pairs
from pipeline.io.gold import read_annotations, read_folder
from pipeline.io.intake import IntakeResult, run_intake
from pipeline.io.tables import write_table
from pipeline.messages import Messages
from pipeline.sheets.names import safe_name

UNTAGGED_TURNS = Path("intake") / "turns.parquet"


def intake(
    transcripts: Path, out: Path, config: Config, messages: Messages, progress: bool = True
) -> IntakeResult:
    """Read a transcripts folder through the intake gate; write intake.csv and the turns.
    Transcripts read before come from `out/cache/intake/` when unchanged."""
    keep = bool(config.get("batch.cache", True))
    with cache_folder(out / "cache" / "intake", keep) as cache:
        result = run_intake(transcripts, config, messages, progress=progress, cache=cache)
    out.mkdir(parents=True, exist_ok=True)
    result.table(messages).to_csv(out / "intake.csv", index=False, encoding="utf-8-sig")
    conversations = result.conversations
    turn_table = (
        pa.concat_tables([c.table for c in conversations], promote_options="default").to_pandas()
        if conversations
        else pd.DataFrame(columns=META_COLUMNS)
    )
    sizes = [c.table.num_rows for c in conversations]
    for column in META_COLUMNS:  # each conversation's manifest row on each of its turns
        turn_table[column] = np.repeat([getattr(c.entry, column) for c in conversations], sizes)
    ordered = META_COLUMNS + [c for c in turn_table.columns if c not in META_COLUMNS]
    (out / UNTAGGED_TURNS).parent.mkdir(parents=True, exist_ok=True)
    turn_table[ordered].to_parquet(out / UNTAGGED_TURNS, index=False)
    return result


def tag(out: Path, config: Config, backend: str | None = None) -> TagCounts:
    """Tag the turns the intake wrote, in chunks, on parallel workers, re-tagging only what
    changed since the last run; write the turn and unit tables (Parquet and CSV)."""
    from pipeline.corpus_tagging import tag_corpus

    return tag_corpus(out / UNTAGGED_TURNS, out / "turns.parquet", out / "units.parquet", config,
                      backend, csv=True)  # fmt: skip


def aggregate(out: Path, metrics: Path, history: Path, config: Config) -> pd.DataFrame:
    """Figures per conversation in this run (`out`), the history of figures across runs
    (`history`, figures only), per caseworker and period and per unit and period from the
    history, and this run's corpus figures: DVC metrics (corpus.json) and trends in `metrics`."""
    period = str(config.get("aggregate.period", "quarter"))
    options = summary_options(config)
    chunk = int(config.get("batch.chunk_conversations", 100))
    keep = bool(config.get("batch.cache", True))
    cache = FiguresCache(out / "cache" / "figures.parquet", keep)
    pairs = read_conversation_pairs(out / "turns.parquet", out / "units.parquet", chunk,
                                    (TURN_INPUTS, UNIT_INPUTS))  # fmt: skip
    figures = [cache.figures(turns, units) for turns, units in pairs]
    cache.save()
    conversations = pd.concat(figures, ignore_index=True) if figures else pd.DataFrame(
        columns=[*META_COLUMNS, "minutes", *NAMES])  # fmt: skip
    conversations.insert(3, "period", period_of(conversations["date"], period))
    write_table(conversations, out, "conversations")
    intake = pd.read_csv(out / "intake.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")  # fmt: skip
    past = update_history(history, conversations, withdrawn_conversations(intake))
    past = past.assign(period=period_of(past["date"], period))
    summaries = SummaryCache(out / "cache" / "summaries.json", keep)
    write_table(summaries.summarise_by(past, ["caseworker_id", "period"], **options), out,
                "caseworkers")  # fmt: skip
    medians = {**options, "resamples": 0}  # the corpus figures and trends show no interval
    summary = summarise(conversations, **medians)
    corpus = {"conversations": len(conversations),
              "caseworkers": conversations["caseworker_id"].nunique(),
              "turns": _rows(out / "turns.parquet"), "units": _rows(out / "units.parquet"),
              "minutes": summary["minutes"],
              "median": {name: summary[f"{name}_median"] for name in NAMES}}  # fmt: skip
    metrics.mkdir(parents=True, exist_ok=True)
    (metrics / "corpus.json").write_text(json.dumps(_json_ready(corpus), indent=2) + "\n")
    trends = metrics / "trends"
    trends.mkdir(exist_ok=True)
    for stale in trends.glob("*.csv"):
        stale.unlink()
    _trend(past, summaries, medians).to_csv(trends / "corpus.csv", index=False)
    for unit, frame in past.groupby("unit", sort=True):
        _trend(frame, summaries, medians).to_csv(trends / f"unit_{safe_name(str(unit))}.csv",
                                                 index=False)  # fmt: skip
    summaries.save()
    return conversations


def _rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def _trend(conversations: pd.DataFrame, summaries: SummaryCache, options: dict) -> pd.DataFrame:
    """Per period: the number of conversations and the median of every figure."""
    summary = summaries.summarise_by(conversations, ["period"], **options)
    columns = ["period", "conversations", *(f"{n}_median" for n in NAMES)]
    return summary.reindex(columns=columns).rename(columns={f"{n}_median": n for n in NAMES})


def _json_ready(value: object) -> object:
    """NaN is not JSON: null instead; floats rounded to four decimals; numpy ints as ints."""
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return int(value) if hasattr(value, "item") and float(value).is_integer() else value


def train(config: Config, languages: list[str] | None = None) -> dict[str, dict]:
    from pipeline.training import train as train_language

    annotations = Path(str(config.get("paths.annotations")))
    models = Path(str(config.get("paths.models")))
    seed = int(config.get("tagger.seed", 0))
    return {
        lang: train_language(lang, config, annotations, models, seed)
        for lang in languages or list(config.get("tagger.languages", ["da", "en"]))
    }


def evaluate_gold(
    gold: Path, config: Config, lang: str | None = None, backend: str | None = None,
    out: Path | None = None, confusion_dir: Path | None = None,
) -> dict[str, dict]:  # fmt: skip
    """Scores per language for a gold file, a folder of gold files, or a folder of <lang>/ folders.

    AnnoMI-format CSV is read directly. Writes the scores as JSON to `out` and the confusion
    pairs (actual, predicted) per dimension as CSV into `confusion_dir`, for `dvc plots`.
    """
    from pipeline.evaluation import evaluate
    from pipeline.taggers.tagger import Tagger

    backend = backend or str(config.get("tagger.backend", "model"))
    sets = gold_sets(gold, lang)
    results: dict[str, dict] = {}
    for name, (set_lang, frame) in sets.items():
        tagger = Tagger(set_lang, config, backend)
        results[name] = evaluate(tagger, frame)
        if confusion_dir is not None:
            _write_confusion(results[name], confusion_dir, name)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def gold_sets(gold: Path, lang: str | None) -> dict[str, tuple[str, pd.DataFrame]]:
    """Named (language, table) sets: one gold file, a folder of files, or a folder per language."""
    if gold.is_file():
        frame = read_annotations(gold, lang)
        return {lang or only_language(frame, gold): (lang or only_language(frame, gold), frame)}
    languages = sorted(p.name for p in gold.iterdir() if p.is_dir() and any(p.glob("*.csv")))
    if languages and not lang:
        return {name: (name, read_folder(gold / name)) for name in languages}
    if lang and (gold / lang).is_dir():
        return {lang: (lang, read_folder(gold / lang))}
    frame = read_folder(gold)
    found = lang or only_language(frame, gold)
    return {found: (found, frame)}


def only_language(frame: pd.DataFrame, source: Path) -> str:
    languages = sorted(set(frame["language"]) - {""})
    if len(languages) != 1:
        raise ValueError(f"{source}: give --lang (languages found: {languages or 'none'})")
    return languages[0]


def _write_confusion(scores: dict, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for dimension, result in scores.items():
        labels, matrix = result["confusion"]["labels"], result["confusion"]["matrix"]
        pairs = [(a, p) for i, a in enumerate(labels) for j, p in enumerate(labels)
                 for _ in range(matrix[i][j])]  # fmt: skip
        pd.DataFrame(pairs, columns=["actual", "predicted"]).to_csv(
            folder / f"{name}_{dimension}.csv", index=False
        )
