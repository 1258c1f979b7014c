"""Tagging a corpus in chunks, with the per-conversation cache and parallel workers: the outputs
never depend on how the work was split, and the cache re-tags exactly what changed."""

from __future__ import annotations

import codecs
import copy
import shutil
from datetime import date, timedelta

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pytest

from pipeline import stages
from pipeline.config import Config
from pipeline.corpus_tagging import tag_corpus
from pipeline.io.chunks import NotGrouped, read_conversations
from pipeline.messages import Messages
from pipeline.tagging import tag_table
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def intake_turns(config, tmp_path_factory):
    """The sample transcripts through the intake: one turn table, 14 conversations."""
    out = tmp_path_factory.mktemp("intake")
    stages.intake(ROOT / "transcripts_sample", out, config, Messages("da"), progress=False)
    return out / stages.UNTAGGED_TURNS


def settings(config, models, **batch) -> Config:
    params = copy.deepcopy(config.params)
    params["paths"]["models"] = str(models)
    params["batch"] = {"workers": 1, "chunk_conversations": 100, "cache": True, **batch}
    return Config(params, config.config_dir)


def tag(source, out, config):
    counts = tag_corpus(source, out / "turns.parquet", out / "units.parquet", config, csv=True)
    return counts, pd.read_parquet(out / "turns.parquet"), pd.read_parquet(out / "units.parquet")


def test_chunked_output_equals_unchunked(intake_turns, tmp_path, config, trained_models):
    config = settings(config, trained_models, chunk_conversations=3)
    counts, turns, units = tag(intake_turns, tmp_path, config)
    expected_turns, expected_units = tag_table(pd.read_parquet(intake_turns), config)
    assert counts.turns == len(expected_turns) > 1000 and counts.tagged == 14
    pd.testing.assert_frame_equal(turns, expected_turns, check_dtype=False)
    pd.testing.assert_frame_equal(units, expected_units, check_dtype=False)
    whole = tmp_path / "whole"
    tag(intake_turns, whole, settings(config, trained_models, chunk_conversations=1000))
    for name in ("turns", "units"):  # the CSV is the Parquet table's, whole, as pandas writes it
        written = (tmp_path / f"{name}.csv").read_bytes()
        table = pd.read_parquet(tmp_path / f"{name}.parquet", dtype_backend="pyarrow")
        assert written == codecs.BOM_UTF8 + table.to_csv(index=False).encode()
        assert written == (whole / f"{name}.csv").read_bytes()


def test_one_worker_two_workers_and_dask_give_the_same_tables(intake_turns, tmp_path, config,
                                                              trained_models):  # fmt: skip
    from dask.distributed import LocalCluster

    one = tag(intake_turns, tmp_path / "one",
              settings(config, trained_models, chunk_conversations=4))  # fmt: skip
    two = tag(intake_turns, tmp_path / "two",
              settings(config, trained_models, workers=2, chunk_conversations=4))  # fmt: skip
    # the workers, each holding the models, are gone when the tag step is done
    assert not [p for p in psutil.Process().children(recursive=True)
                if "LokyProcess" in " ".join(p.cmdline())]  # fmt: skip
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        dask = tag(intake_turns, tmp_path / "dask", settings(
            config, trained_models, executor="dask", scheduler=cluster.scheduler_address,
            chunk_conversations=4))  # fmt: skip
    for other in (two, dask):
        assert other[0].tagged == 14
        pd.testing.assert_frame_equal(other[1], one[1])
        pd.testing.assert_frame_equal(other[2], one[2])


def _changed(source, folder, conversation_id, column, value):
    frame = pd.read_parquet(source)
    frame.loc[frame["conversation_id"] == conversation_id, column] = value
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "turns.parquet", index=False)
    return folder / "turns.parquet"


def test_the_cache_retags_exactly_what_changed(intake_turns, tmp_path, config, trained_models):
    models = tmp_path / "models"
    shutil.copytree(trained_models, models)
    config = settings(config, models, chunk_conversations=5)
    out = tmp_path / "out"
    first, turns, units = tag(intake_turns, out, config)
    assert (first.tagged, first.cached) == (14, 0)

    again, turns_again, units_again = tag(intake_turns, out, config)
    assert (again.tagged, again.cached, again.dropped) == (0, 14, 0)
    pd.testing.assert_frame_equal(turns_again, turns)
    pd.testing.assert_frame_equal(units_again, units)

    frame = pd.read_parquet(intake_turns)
    first_text = frame.loc[frame["conversation_id"] == "cw01-2026-01-13", "text"].iat[0]
    text = _changed(intake_turns, tmp_path / "text", "cw01-2026-01-13", "text",
                    first_text + " Hvad tænker du selv?")  # fmt: skip
    counts, changed, _ = tag(text, out, config)
    assert (counts.tagged, counts.cached, counts.dropped) == (1, 13, 1)  # the old entry is gone
    assert changed.loc[changed["conversation_id"] == "cw01-2026-01-13", "text"].iat[0].endswith(
        "Hvad tænker du selv?")  # fmt: skip

    manifest = _changed(text, tmp_path / "manifest", "cw02-2026-01-20", "caseworker_id",
                        "cw-99")  # fmt: skip
    counts, _, _ = tag(manifest, out, config)
    assert (counts.tagged, counts.cached) == (1, 13)

    calibration = models / "da" / "rules_calibration.json"
    calibration.write_text(calibration.read_text().replace("0.", "0.0", 1))
    counts, _, _ = tag(manifest, out, config)
    languages = pd.read_parquet(manifest).groupby("conversation_id")["language"].first()
    assert counts.tagged == (languages == "da").sum() and counts.cached == (languages != "da").sum()

    rules = Config({**config.params, "tagger": {**config.params["tagger"], "backend": "rules"}},
                   config.config_dir)  # fmt: skip
    counts, _, _ = tag(manifest, out, rules)
    assert counts.tagged == 14


def test_a_withdrawn_conversation_leaves_the_cache(intake_turns, tmp_path, config, trained_models):
    config = settings(config, trained_models)
    out = tmp_path / "out"
    tag(intake_turns, out, config)
    entries = sorted((out / "cache" / "tags").glob("*.arrow"))
    assert len(entries) == 28  # turns and units of 14 conversations
    frame = pd.read_parquet(intake_turns)
    remaining = tmp_path / "withdrawn" / "turns.parquet"
    remaining.parent.mkdir()
    frame[frame["conversation_id"] != "cw03-2026-01-27"].to_parquet(remaining, index=False)
    counts, turns, units = tag(remaining, out, config)
    assert counts.dropped == 1 and len(list((out / "cache" / "tags").glob("*.arrow"))) == 26
    assert "cw03-2026-01-27" not in set(turns["conversation_id"]) | set(units["conversation_id"])
    off = tag(remaining, out, settings(config, trained_models, cache=False))
    assert off[0].tagged == 13 and not any((out / "cache" / "tags").iterdir())


def test_conversations_are_read_whole_across_batches(tmp_path):
    table = pd.DataFrame({"conversation_id": list("aabbbc"), "text": list("uvwxyz")})
    table.to_parquet(tmp_path / "t.parquet", index=False)
    for rows in (1, 2, 4, 100):
        pieces = list(read_conversations(tmp_path / "t.parquet", rows=rows))
        assert ["".join(p["text"]) for p in pieces] == ["uv", "wxy", "z"]
    table.iloc[[0, 2, 1]].to_parquet(tmp_path / "apart.parquet", index=False)
    with pytest.raises(NotGrouped, match="conversation a"):
        list(read_conversations(tmp_path / "apart.parquet"))


def test_only_sheets_whose_inputs_changed_are_drawn_again(sample_outputs, tmp_path, config,
                                                          monkeypatch):  # fmt: skip
    from pipeline.sheets import build

    out = tmp_path / "out"
    shutil.copytree(sample_outputs, out)
    drawn = []
    render = build.render_sheet
    monkeypatch.setattr(
        build, "render_sheet", lambda cw, *rest: drawn.append(cw) or render(cw, *rest)
    )
    evaluation, history = ROOT / "metrics" / "eval.json", out / "history" / "conversations.csv"
    (out / build.RENDERED).unlink()
    build.build_sheets(out, config, evaluation, history, "da")
    assert drawn == ["cw-01", "cw-02", "cw-03", "cw-04"]
    drawn.clear()
    build.build_sheets(out, config, evaluation, history, "da")
    assert drawn == []
    later = date.today() + timedelta(days=30)

    class Later(date):
        @classmethod
        def today(cls) -> date:
            return later

    monkeypatch.setattr(build, "date", Later)
    build.build_sheets(out, config, evaluation, history, "da")
    assert drawn == []  # a new day alone draws no sheet again: each keeps the date it was made
    turns = pd.read_parquet(out / "turns.parquet")
    turns.loc[turns["caseworker_id"] == "cw-03", "text"] += " "
    turns.to_parquet(out / "turns.parquet", index=False)
    sheets = build.build_sheets(out, config, evaluation, history, "da")
    assert drawn == ["cw-03"] and [p.stem for p in sheets.drawn] == drawn
    assert len(sheets.paths) == 4
    made_on = {p.stem: later.isoformat() in p.read_text() for p in (out / "sheets").glob("cw-*")}
    assert made_on == {"cw-01": False, "cw-02": False, "cw-03": True, "cw-04": False}
    assert sorted(p.name for p in (out / "sheets").glob("*.html"))[-1] == "index.html"


def test_figures_from_chunks_equal_figures_from_whole_tables(sample_outputs, tmp_path, config):
    from pipeline.aggregation import conversation_figures

    out = tmp_path / "out"
    shutil.copytree(sample_outputs, out)
    params = copy.deepcopy(config.params)
    params["batch"] = {"chunk_conversations": 3}
    chunked = stages.aggregate(out, out / "metrics", out / "history.csv",
                               Config(params, config.config_dir))  # fmt: skip
    whole = conversation_figures(pd.read_parquet(out / "turns.parquet"),
                                 pd.read_parquet(out / "units.parquet"))  # fmt: skip
    assert len(whole) == 14
    pd.testing.assert_frame_equal(chunked.drop(columns="period"), whole, check_dtype=False)


def test_the_intake_reads_only_new_or_changed_transcripts(tmp_path, config, monkeypatch):
    from pipeline.io import intake

    folder, out = tmp_path / "transcripts", tmp_path / "out"
    shutil.copytree(ROOT / "transcripts_sample", folder)
    opened = []
    read_file = intake.read_file
    monkeypatch.setattr(intake, "read_file", lambda path: opened.append(path.name)
                        or read_file(path))  # fmt: skip

    def run(batch_cache: bool = True) -> tuple[bytes, pd.DataFrame]:
        opened.clear()
        params = copy.deepcopy(config.params)
        params["batch"] = {"cache": batch_cache}
        stages.intake(folder, out, Config(params, config.config_dir), Messages("da"),
                      progress=False)  # fmt: skip
        return (out / "intake.csv").read_bytes(), pd.read_parquet(out / stages.UNTAGGED_TURNS)

    first = run()
    table = "samtaler_tabel.csv"  # a table of several conversations is always read
    assert len(opened) == 12 + 1
    second = run()
    assert opened == [table]
    assert second[0] == first[0]
    pd.testing.assert_frame_equal(second[1], first[1])
    with (folder / "cw02-2026-03-10.txt").open("a", encoding="cp1252") as file:
        file.write("Borger: Og en sidste ting.\n")
    manifest = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    manifest.loc[manifest["file"] == "cw04-2026-02-10.srt", "meeting_type"] = "opfølgning"
    manifest.to_csv(folder / "manifest.csv", index=False)
    changed = run()
    assert sorted(opened) == ["cw02-2026-03-10.txt", "cw04-2026-02-10.srt", table]
    assert changed[1]["text"].str.contains("sidste ting").sum() == 1
    assert len(list((out / "cache" / "intake").iterdir())) == 12
    manifest.loc[manifest["file"] == "cw01-2026-01-13.vtt", "consent"] = "no"
    manifest.to_csv(folder / "manifest.csv", index=False)
    run()
    assert "cw01-2026-01-13" not in set(pd.read_parquet(out / stages.UNTAGGED_TURNS)[
        "conversation_id"])  # fmt: skip
    run(batch_cache=False)
    assert len(opened) == 11 + 1 and not any((out / "cache" / "intake").iterdir())


def test_figures_are_computed_again_only_for_changed_conversations(
    sample_outputs, tmp_path, config, monkeypatch
):
    from pipeline import figures_cache

    out = tmp_path / "out"
    shutil.copytree(sample_outputs, out)
    for cached in ("figures.parquet", "summaries.json"):
        (out / "cache" / cached).unlink(missing_ok=True)
    computed, summarised = [], []
    figures, summarise = figures_cache.conversation_figures, figures_cache.summarise

    def counted(turns: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
        computed.extend(turns["conversation_id"].unique())
        return figures(turns, units)

    def counted_summary(conversations: pd.DataFrame, **options: int) -> dict:
        summarised.append(tuple(conversations["conversation_id"]))
        return summarise(conversations, **options)

    monkeypatch.setattr(figures_cache, "conversation_figures", counted)
    monkeypatch.setattr(figures_cache, "summarise", counted_summary)

    def aggregate(keep: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
        computed.clear()
        summarised.clear()
        options = settings(config, config.get("paths.models"), cache=keep)
        conversations = stages.aggregate(out, out / "metrics", out / "history.csv", options)
        return conversations, pd.read_parquet(out / "caseworkers.parquet")

    first, per_caseworker = aggregate()
    assert len(computed) == 14 and len(summarised) == len(set(summarised)) > 2
    again = aggregate()
    pd.testing.assert_frame_equal(again[0], first)
    pd.testing.assert_frame_equal(again[1], per_caseworker)
    assert computed == [] and summarised == []
    units = pd.read_parquet(out / "units.parquet")
    units.loc[units["conversation_id"] == "cw02-2026-03-10", "question"] = "open"
    units.to_parquet(out / "units.parquet", index=False)
    changed, changed_per_caseworker = aggregate()
    assert computed == ["cw02-2026-03-10"]
    # the group of cw02's conversations in that period, and that period for the corpus and unit
    assert summarised and all("cw02-2026-03-10" in group for group in summarised)
    moved = changed["conversation_id"] == "cw02-2026-03-10"
    column = "open_question_units"
    assert (changed.loc[moved, column] > first.loc[moved, column]).all()
    pd.testing.assert_frame_equal(changed[~moved], first[~moved])
    uncached = aggregate(keep=False)
    pd.testing.assert_frame_equal(uncached[1], changed_per_caseworker)
    assert not (out / "cache" / "summaries.json").exists()


@pytest.mark.parametrize("text", ["plain", "two\nlines"])
def test_cache_entries_hold_each_conversations_csv_rows(text):
    from pipeline.io.chunks import csv_rows
    from pipeline.tag_cache import Entry

    turns = pa.table({"conversation_id": ["a", "a", "b"], "text": [text, "x", "y"]})
    units = pa.table({"conversation_id": ["a", "b", "b"], "unit_index": [0, 0, 1]})
    entries = Entry.per_conversation(turns, units)
    assert list(entries) == ["a", "b"]
    for conversation_id, entry in entries.items():
        for table, rows in zip(entry.tables, entry.csv, strict=True):
            assert set(table.column("conversation_id").to_pylist()) == {conversation_id}
            assert rows == csv_rows(table)
    assert b"".join(e.csv[0] for e in entries.values()) == csv_rows(turns)


def test_digests_of_row_selections_equal_digests_of_the_selected_rows():
    from pipeline.digest import HashedRows, digest_values

    frame = pd.DataFrame({"conversation_id": list("abab"), "text": ["u", "v", "w", None]})
    hashed = HashedRows.of(frame)
    assert digest_values("x", hashed) == digest_values("x", frame)
    rows = np.flatnonzero(frame["conversation_id"] == "a")
    assert digest_values(hashed.select(rows)) == digest_values(frame.iloc[rows])
    assert digest_values(hashed.select(rows)) != digest_values(frame.iloc[rows[:1]])
