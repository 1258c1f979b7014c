"""Aggregation figures on a small fixture whose every figure was computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregation import (
    bootstrap_median,
    conversation_figures,
    period_of,
    summarise,
    summarise_by,
)  # fmt: skip


def _turn(turn, role, words, start, end, question=None, backchannel=False):
    return {"conversation_id": "c1", "caseworker_id": "cw-x", "date": "2026-02-03",
            "language": "da", "unit": "team", "meeting_type": "jobsamtale", "file": "c1.txt",
            "turn": turn, "speaker": role, "role": role, "start": start, "end": end,
            "text": "x", "words": words, "backchannel": backchannel,
            "question": question}  # fmt: skip


def _unit(turn, role, question=None, reflection=None, input=None, framing=None, agency=None):
    return {"conversation_id": "c1", "turn": turn, "role": role, "question": question,
            "reflection": reflection, "input": input, "framing": framing,
            "agency": agency}  # fmt: skip


@pytest.fixture
def conversation():
    # 10 minutes; caseworker 60 words in 3 turns, citizen 40 words in 2 turns (+ a "mm").
    turns = pd.DataFrame([
        _turn(0, "caseworker", 20, 0, 60, question="open"),
        _turn(1, "citizen", 30, 60, 240),
        _turn(2, "caseworker", 25, 240, 300, question="closed"),
        _turn(3, "citizen", 1, 300, 302, backchannel=True),
        _turn(4, "caseworker", 15, 302, 420, question="none"),
        _turn(5, "citizen", 10, 420, 600),
    ])  # fmt: skip
    units = pd.DataFrame([
        # turn 0: an open and a closed question (stacked), being framing on the open one
        _unit(0, "caseworker", "open", False, False, "being"),
        _unit(0, "caseworker", "closed", False, False, "neutral"),
        _unit(1, "citizen", agency="agentive"),
        _unit(1, "citizen", agency="neutral"),
        _unit(2, "caseworker", "closed", False, True, "becomer"),
        _unit(3, "citizen", agency="neutral"),
        _unit(4, "caseworker", "none", True, False, "being"),
        _unit(4, "caseworker", "none", True, False, "neutral"),
        _unit(5, "citizen", agency="non_agentive"),
    ])  # fmt: skip
    return turns, units


def test_conversation_figures_by_hand(conversation):
    figures = conversation_figures(*conversation).iloc[0]
    assert figures["citizen_share"] == pytest.approx(41 / 101)
    assert figures["minutes"] == pytest.approx(10)
    # The "mm" does not break the caseworker's run of turns 2 and 4: 25 + 15 words.
    assert figures["caseworker_longest_monologue_words"] == 40
    assert figures["open_question_turns"] == 1 and figures["closed_question_turns"] == 1
    assert figures["open_question_units"] == 1 and figures["closed_question_units"] == 2
    assert figures["open_share_turns"] == pytest.approx(1 / 2)
    assert figures["open_share_units"] == pytest.approx(1 / 3)
    assert figures["reflection_units"] == 2
    assert figures["questions_per_10_min"] == pytest.approx(3)
    assert figures["reflections_per_10_min"] == pytest.approx(2)
    assert figures["questions_per_100_words"] == pytest.approx(100 * 3 / 60)
    assert figures["reflection_question_ratio"] == pytest.approx(2 / 3)
    assert figures["input_share"] == pytest.approx(1 / 5)
    assert figures["agentive_share"] == pytest.approx(1 / 4)
    assert figures["non_agentive_share"] == pytest.approx(1 / 4)
    assert (figures["becomer_units"], figures["being_units"]) == (1, 2)
    assert figures["being_share"] == pytest.approx(2 / 3)


def test_figures_without_timestamps_or_questions_are_empty_not_zero(conversation):
    turns, units = conversation
    turns = turns.assign(start=np.nan, end=np.nan, question="none")
    units = units.assign(question="none")
    figures = conversation_figures(turns, units).iloc[0]
    assert math.isnan(figures["minutes"]) and math.isnan(figures["questions_per_10_min"])
    assert math.isnan(figures["open_share_units"])
    assert math.isnan(figures["reflection_question_ratio"])
    assert figures["questions_per_100_words"] == 0


def test_periods():
    dates = pd.Series(["2026-01-31", "2026-04-01", "2025-12-24"])
    assert period_of(dates, "quarter").tolist() == ["2026-Q1", "2026-Q2", "2025-Q4"]
    assert period_of(dates, "month").tolist() == ["2026-01", "2026-04", "2025-12"]
    with pytest.raises(ValueError):
        period_of(dates, "week")


def _conversations(shares):
    return pd.DataFrame({"conversation_id": [f"c{i}" for i in range(len(shares))],
                         "caseworker_id": "cw", "date": "2026-01-05", "minutes": 20.0,
                         "citizen_share": shares})  # fmt: skip


def test_summary_medians_ranges_and_small_sample_note():
    summary = summarise(_conversations([0.2, 0.5, 0.3]))
    assert summary["conversations"] == 3 and summary["minutes"] == 60
    assert summary["citizen_share_median"] == pytest.approx(0.3)
    assert (summary["citizen_share_min"], summary["citizen_share_max"]) == (0.2, 0.5)
    assert summary["small_sample"] is True
    assert math.isnan(summary["citizen_share_ci_low"])  # no interval on three conversations


def test_bootstrap_interval_from_five_conversations():
    shares = [0.2, 0.3, 0.4, 0.5, 0.6, 0.35]
    summary = summarise(_conversations(shares), resamples=500, seed=1)
    assert summary["small_sample"] is False
    assert summary["citizen_share_ci_low"] <= summary["citizen_share_median"]
    assert summary["citizen_share_median"] <= summary["citizen_share_ci_high"]
    assert 0.2 <= summary["citizen_share_ci_low"] < summary["citizen_share_ci_high"] <= 0.6
    same = bootstrap_median(np.array([0.4] * 5), 200, np.random.default_rng(0))
    assert same == (0.4, 0.4)
    medians_only = summarise(_conversations(shares), resamples=0)
    assert medians_only["citizen_share_median"] == summary["citizen_share_median"]
    assert math.isnan(medians_only["citizen_share_ci_low"])


@pytest.mark.parametrize("seed", range(5))
def test_bootstrap_interval_is_the_textbook_one(seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.random(int(rng.integers(5, 40))) * 10, 1)  # ties included
    draws = np.random.default_rng(seed).choice(values, size=(300, len(values)), replace=True)
    medians = np.median(draws, axis=1)
    expected = (np.percentile(medians, 2.5), np.percentile(medians, 97.5))
    assert bootstrap_median(values, 300, np.random.default_rng(seed)) == expected


def test_summaries_per_group():
    frame = pd.concat([_conversations([0.1, 0.3]).assign(caseworker_id="a"),
                       _conversations([0.6]).assign(caseworker_id="b")])  # fmt: skip
    table = summarise_by(frame, ["caseworker_id"])
    assert table["caseworker_id"].tolist() == ["a", "b"]
    assert table["citizen_share_median"].tolist() == pytest.approx([0.2, 0.6])
    assert table["conversations"].tolist() == [2, 1]


def test_aggregate_stage_on_an_empty_run(tmp_path, config):
    from pipeline import stages

    pd.DataFrame(columns=["conversation_id", "turn", "role", "date"]).to_parquet(
        tmp_path / "turns.parquet")  # fmt: skip
    pd.DataFrame(columns=["conversation_id", "role"]).to_parquet(tmp_path / "units.parquet")
    pd.DataFrame(columns=["file", "conversation_id", "withdrawn"]).to_csv(tmp_path / "intake.csv")
    stages.aggregate(tmp_path, tmp_path / "metrics", tmp_path / "history.csv", config)
    assert pd.read_csv(tmp_path / "conversations.csv").empty
    corpus = (tmp_path / "metrics" / "corpus.json").read_text()
    assert '"conversations": 0' in corpus
    assert pd.read_csv(tmp_path / "metrics" / "trends" / "corpus.csv").empty


def test_aggregate_stage_writes_tables_metrics_and_trends(sample_outputs):
    import json

    caseworkers = pd.read_csv(sample_outputs / "caseworkers.csv")
    conversations = pd.read_csv(sample_outputs / "conversations.csv")
    assert len(caseworkers) == conversations.groupby(["caseworker_id", "period"]).ngroups
    one = caseworkers[(caseworkers["caseworker_id"] == "cw-01")
                      & (caseworkers["period"] == "2026-Q1")].iloc[0]  # fmt: skip
    own = conversations[(conversations["caseworker_id"] == "cw-01")
                        & (conversations["period"] == "2026-Q1")]  # fmt: skip
    assert one["citizen_share_median"] == pytest.approx(own["citizen_share"].median())
    corpus = json.loads((sample_outputs / "metrics" / "corpus.json").read_text())
    assert corpus["conversations"] == 14 and corpus["caseworkers"] == 4
    assert corpus["median"]["citizen_share"] == pytest.approx(
        conversations["citizen_share"].median(), abs=1e-4)  # fmt: skip
    trends = sorted(p.name for p in (sample_outputs / "metrics" / "trends").iterdir())
    assert trends == ["corpus.csv", "unit_jobcenter-nord.csv", "unit_jobcenter-syd.csv"]
