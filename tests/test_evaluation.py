"""Evaluation: scores that can be computed by hand, AnnoMI's format, and the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.evaluation import evaluate, expected_calibration_error, score
from pipeline.io.gold import read_annotations
from pipeline.taggers.tagger import Tagger


def test_score_matches_hand_computation():
    truth = ["open", "open", "closed", "none", "none", "none"]
    predicted = ["open", "closed", "closed", "none", "none", "open"]
    result = score(["open", "closed", "none"], truth, predicted, np.full(6, np.nan))
    # open: P=1/2 R=1/2 F=.5; closed: P=1/2 R=1 F=2/3; none: P=1 R=2/3 F=.8
    assert result["labels"]["open"]["f1"] == pytest.approx(0.5)
    assert result["labels"]["closed"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["labels"]["none"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3, abs=1e-4)
    assert result["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert result["calibration_error"] is None
    assert result["confusion"]["matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_calibration_error_by_hand():
    p = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, True, True, False])
    # bin 9: |0.95 - 1| = 0.05 (2 items); bin 5: |0.55 - 0.5| = 0.05 (2 items)
    assert expected_calibration_error(p, correct) == pytest.approx(0.05)


GOLD = pd.DataFrame({
    "id": ["g1", "g2", "g3", "g4", "g5"],
    "language": ["da"] * 5,
    "role": ["caseworker"] * 4 + ["citizen"],
    "context": [""] * 5,
    "text": ["Hvad tænker du om det?", "Har du søgt nogen jobs?", "Hej, kom bare ind.",
             "Hvornår startede du?", "Jeg har selv ringet til dem."],
    "question": ["open", "closed", "none", "open", ""],  # g4 is really closed: one error
    "reflection": ["no"] * 4 + [""],
    "input": ["no"] * 4 + [""],
    "agency": [""] * 4 + ["agentive"],
    "framing": ["being", "neutral", "neutral", "neutral", ""],
})  # fmt: skip


def test_evaluate_on_a_small_fixture_reproduces_known_scores(config):
    scores = evaluate(Tagger("da", config, backend="rules"), GOLD)
    question = scores["question"]
    # open: P=1 R=1/2 F=2/3; closed: P=1/2 R=1 F=2/3; none: F=1
    assert question["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3, abs=1e-4)
    assert question["n"] == 4 and scores["agency"]["n"] == 1
    assert scores["agency"]["accuracy"] == 1.0
    assert scores["framing"]["macro_f1"] == pytest.approx(2 / 3, abs=1e-4)  # becomer unused


def test_average_precision_ranks_the_turns_that_have_the_tag():
    # P(yes) 0.9, 0.8, 0.3, 0.1 for yes, no, yes, no: precision 1 at the first yes, 2/3 at the
    # second, so AP = (1 + 2/3) / 2, whatever the labels given
    truth, predicted = ["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"]
    result = score(["yes", "no"], truth, predicted, np.array([0.9, 0.8, 0.7, 0.9]))
    assert result["average_precision"] == pytest.approx((1 + 2 / 3) / 2, abs=1e-4)
    assert result["f1"] == pytest.approx(0.5)
    assert score(["yes", "no"], truth, predicted, np.full(4, np.nan))["average_precision"] is None
    assert "average_precision" not in score(["a", "b"], ["a", "b"], ["a", "a"], np.ones(2))


def test_reads_annomi_format_with_majority_labels_and_context(tmp_path):
    rows = [
        # transcript, utterance, speaker, text, annotator, q_exists, q_subtype, refl, input
        (7, 0, "therapist", "How are you?", 1, "True", "open", "False", "False"),
        (7, 1, "client", "Tired.", 1, "", "", "", ""),
        (7, 2, "therapist", "So you feel tired.", 1, "False", "", "True", "False"),
        (7, 2, "therapist", "So you feel tired.", 2, "False", "", "True", "False"),
        (7, 2, "therapist", "So you feel tired.", 3, "True", "closed", "False", "False"),
    ]
    columns = ["transcript_id", "utterance_id", "interlocutor", "utterance_text", "annotator_id",
               "question_exists", "question_subtype", "reflection_exists",
               "therapist_input_exists"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    path = tmp_path / "annomi.csv"
    frame.to_csv(path, index=False)
    gold = read_annotations(path, "en")
    assert gold["text"].tolist() == ["How are you?", "So you feel tired."]
    assert gold["question"].tolist() == ["open", "none"]
    assert gold["reflection"].tolist() == ["no", "yes"]
    assert gold["context"].tolist() == ["", "Tired."]
    assert set(gold["role"]) == {"caseworker"}


def test_evaluate_command_writes_json_and_confusion_pairs(tmp_path, capsys):
    gold = tmp_path / "gold.csv"
    GOLD.to_csv(gold, index=False)
    out, confusion = tmp_path / "eval.json", tmp_path / "confusion"
    assert main(["evaluate", str(gold), "--backend", "rules", "--out", str(out),
                 "--confusion", str(confusion)]) == 0  # fmt: skip
    scores = json.loads(out.read_text())
    assert scores["da"]["question"]["n"] == 4
    pairs = pd.read_csv(confusion / "da_question.csv")
    assert len(pairs) == 4 and list(pairs.columns) == ["actual", "predicted"]
    assert "macro-F1" in capsys.readouterr().out


def test_krippendorff_alpha_by_hand():
    from pipeline.agreement import krippendorff_alpha

    # units (a,a), (a,b), (b,b): D_o = 2, D_e = (3*3 + 3*3) / 5 = 3.6, alpha = 1 - 2/3.6
    assert krippendorff_alpha([["a", "a", "b"], ["a", "b", "b"]]) == pytest.approx(1 - 2 / 3.6)
    assert krippendorff_alpha([["x", "y"], ["x", "y"], ["x", "y"]]) == 1.0


def test_pass_agreement_reads_every_pass_of_a_part(tmp_path):
    from pipeline.agreement import pass_agreement

    passes = tmp_path / "passes"
    passes.mkdir()
    labels = {"w": ["open", "closed", "none", "none"], "a": ["open", "closed", "none", "none"],
              "b": ["open", "closed", "closed", "none"]}  # fmt: skip
    for name, values in labels.items():
        pd.DataFrame({"id": list("1234"), "question": values, "reflection": ["no"] * 4,
                      "input": ["no"] * 4, "agency": [""] * 4, "framing": ["neutral"] * 4}
                     ).to_csv(passes / f"part.{name}.csv", index=False)  # fmt: skip
    table = pass_agreement(tmp_path).set_index("dimension")
    assert table.loc["question", "kappa_a_w"] == 1.0
    assert table.loc["question", "kappa_a_b"] == pytest.approx(0.6364, abs=1e-3)
    assert "agency" not in table.index  # no turn carries an agency label
