"""Export a blank annotation sheet from tagged turns, fill it in, and read back the agreement."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.annotation_sheet import (
    agreement_report,
    allocate,
    export_sample,
    read_filled,
    write_sheet,
)  # fmt: skip
from pipeline.cli import main
from pipeline.io.gold import COLUMNS, LABEL_COLUMNS


@pytest.fixture(scope="module")
def tagged(sample_outputs):
    return pd.read_parquet(sample_outputs / "turns.parquet")


def test_allocation_is_even_where_the_strata_allow():
    assert allocate({"a": 100, "b": 100, "c": 2}, 30) == {"a": 14, "b": 14, "c": 2}
    assert allocate({"a": 3, "b": 1}, 10) == {"a": 3, "b": 1}
    assert sum(allocate({"a": 7, "b": 9, "c": 11}, 20).values()) == 20


def test_sample_is_blank_stratified_and_repeatable(tagged):
    sheet = export_sample(tagged, 60, seed=3)
    assert list(sheet.columns) == COLUMNS and len(sheet) == 60
    assert (sheet[LABEL_COLUMNS] == "").all().all()  # annotated blind: no model labels
    assert set(sheet["role"]) == {"caseworker", "citizen"}
    picked = tagged.set_index(tagged["conversation_id"] + ":" + tagged["turn"].astype(str))
    rows = picked.loc[sheet["id"]]
    acts = rows.loc[rows["role"] == "caseworker", "act"].value_counts()
    assert set(acts.index) == {"open_question", "closed_question", "reflection", "input", "other"}
    assert acts.max() - acts.min() <= 1  # every act about equally often
    assert sheet["context"].ne("").mean() > 0.9
    assert export_sample(tagged, 60, seed=3).equals(sheet)


def test_round_trip_reports_agreement_per_label(tagged, tmp_path, trained_taggers):
    sheet = export_sample(tagged, 80, seed=1)
    path = tmp_path / "ark.csv"
    write_sheet(sheet, path)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("id;language;role")
    # A person who agrees with the tagger everywhere, except on ten questions.
    tagger = trained_taggers["da"]
    tagged_again = tagger.tag(sheet["text"].tolist(), sheet["role"].tolist(),
                              sheet["context"].tolist())  # fmt: skip
    filled = sheet.copy()
    for i, turn in enumerate(tagged_again):
        for name, label in turn.labels.items():
            if name in LABEL_COLUMNS:
                filled.loc[i, name] = {"yes": "ja", "no": "nej"}.get(label, label)
    caseworker = filled.index[filled["role"] == "caseworker"][:10]
    filled.loc[caseworker, "question"] = filled.loc[caseworker, "question"].map(
        {"open": "closed", "closed": "none", "none": "open"})  # fmt: skip
    write_sheet(filled, path)
    frame, problems = read_filled(path)
    assert problems == []
    report = agreement_report(frame, tagger)
    assert set(report) == set(LABEL_COLUMNS)
    for name in ("reflection", "input", "agency", "framing"):
        assert report[name]["kappa"] == 1.0 and report[name]["alpha"] == pytest.approx(1.0)
    assert report["question"]["agreement"] == pytest.approx(1 - 10 / report["question"]["n"])
    assert report["question"]["kappa"] < 1 and report["question"]["alpha"] < 1


def test_bad_labels_are_reported_with_their_line_and_skipped(tagged, tmp_path):
    sheet = export_sample(tagged, 10, seed=0)
    sheet.loc[2, "question"] = "måske"
    sheet.loc[3, "question"] = "open"
    path = tmp_path / "ark.csv"
    write_sheet(sheet, path)
    frame, problems = read_filled(path)
    assert [(p.line, p.column, p.value) for p in problems] == [(4, "question", "måske")]
    assert frame["question"].tolist()[2:4] == ["", "open"]


def test_cli_sample_and_agreement(sample_outputs, tmp_path, capsys):
    path = tmp_path / "ark.csv"
    argv = ["sample", str(sample_outputs / "turns.parquet"), "--n", "20", "--out", str(path)]
    assert main(argv) == 0
    sheet = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sheet.loc[sheet["role"] == "caseworker", "question"] = "none"
    sheet.loc[0, "input"] = "vrøvl"
    sheet.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    report = tmp_path / "enighed.json"
    assert main(["agreement", str(path), "--backend", "rules", "--out", str(report)]) == 0
    err = capsys.readouterr().err
    assert "linje 2" in err and "vrøvl" in err
    caseworker_rows = int((sheet["role"] == "caseworker").sum())
    assert json.loads(report.read_text())["question"]["n"] == caseworker_rows
