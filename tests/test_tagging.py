"""Tagging turn tables: the contract columns, both backends, context, and the CLI round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.nlp.pack import LanguagePack
from pipeline.taggers.features import _overlap
from pipeline.taggers.tagger import Tagger, roll_up_turns
from pipeline.tagging import TableError, tag_table

TURN_COLUMNS = ["question", "question_p", "reflection", "reflection_p", "input", "input_p",
                "act", "act_p", "agency", "agency_p", "framing", "framing_p"]  # fmt: skip
UNIT_COLUMNS = ["unit_index", "text", "start_char", "end_char", "question", "framing", "agency",
                "question_evidence", "patterns"]  # fmt: skip


def table() -> pd.DataFrame:
    return pd.DataFrame({
        "conversation_id": ["c1"] * 5,
        "turn": [0, 1, 2, 3, 4],
        "role": ["caseworker", "citizen", "caseworker", "other", "caseworker"],
        "text": ["Hej. Hvad tænker du om praktik?",
                 "Jeg vil ikke i praktik igen, det har jeg prøvet.",
                 "Så du har prøvet det før. Vi skal have dig i gang.",
                 "Han siger, at det er fint.",
                 "Har du søgt nogen jobs?"],
        "note": ["keep me", "", "x", "y", "z"],
    })  # fmt: skip


@pytest.fixture
def tagged_by(config, trained_models, trained_taggers):
    def tag(backend: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        # the rules backend's probabilities come from training too (rules_calibration.json)
        taggers = (
            trained_taggers
            if backend == "model"
            else {"da": Tagger("da", config, backend="rules", models_dir=trained_models)}
        )
        return tag_table(table(), config, lang="da", backend=backend, taggers=taggers)

    return tag


@pytest.mark.parametrize("backend", ["rules", "model"])
def test_both_backends_write_the_full_column_set(tagged_by, backend):
    turns, units = tagged_by(backend)
    assert list(turns.columns[:5]) == list(table().columns)
    assert set(TURN_COLUMNS) <= set(turns.columns)
    assert set(UNIT_COLUMNS) <= set(units.columns)
    caseworker = turns["role"] == "caseworker"
    assert turns.loc[caseworker, "question"].notna().all()
    assert turns.loc[caseworker, "question_p"].between(0, 1).all()
    assert turns.loc[~caseworker, "question"].isna().all()
    assert turns.loc[turns["role"] == "citizen", "agency"].notna().all()
    assert turns.loc[turns["role"] == "other", ["question", "agency", "framing"]].isna().all().all()
    assert set(turns.loc[caseworker, "reflection"]) <= {True, False}
    assert len(units) == 7  # 2 + 1 + 2 + 1 + 1 sentences


@pytest.mark.parametrize("backend", ["rules", "model"])
def test_labels_and_evidence_on_clear_turns(tagged_by, backend):
    turns, units = tagged_by(backend)
    assert turns["question"].iloc[0] == "open"
    assert turns["agency"].iloc[1] == "agentive"
    assert turns["framing"].iloc[2] == "becomer"
    assert turns["question"].iloc[4] == "closed"
    assert turns["act"].iloc[4] == "closed_question"
    if backend == "rules":
        assert "Vi skal have dig" in turns["framing_evidence"].iloc[2]
        first = units[(units["turn"] == 2) & (units["unit_index"] == 0)].iloc[0]
        assert first["reflection"] and first["text"] == "Så du har prøvet det før."


def test_input_frame_is_not_changed(config):
    frame = table()
    before = frame.copy()
    tag_table(frame, config, lang="da", backend="rules")
    pd.testing.assert_frame_equal(frame, before)


def test_context_comes_from_the_other_speakers_previous_turn(config, monkeypatch):
    seen = {}
    original = Tagger.tag

    def spy(self, texts, roles, contexts):
        seen.update(zip(texts, contexts, strict=True))
        return original(self, texts, roles, contexts)

    monkeypatch.setattr(Tagger, "tag", spy)
    tag_table(table().sample(frac=1, random_state=1), config, lang="da", backend="rules")
    rows = table()["text"].tolist()
    assert seen[rows[0]] == ""
    assert seen[rows[2]] == rows[1]
    assert seen[rows[4]] == rows[3]  # the interpreter spoke last


def test_context_column_wins(config, monkeypatch):
    frame = table().assign(context="Jeg har søgt tre jobs.")
    captured = []
    original = Tagger.tag
    monkeypatch.setattr(
        Tagger, "tag", lambda self, t, r, c: captured.extend(c) or original(self, t, r, c)
    )
    tag_table(frame, config, lang="da", backend="rules")
    assert set(captured) == {"Jeg har søgt tre jobs."}


def test_table_without_roles_is_refused(config):
    with pytest.raises(TableError):
        tag_table(pd.DataFrame({"text": ["hej"], "speaker": ["Mette"]}), config, lang="da")


def test_cli_round_trip_keeps_every_input_column(tmp_path):
    source = tmp_path / "turns.csv"
    table().to_csv(source, index=False)
    out, units = tmp_path / "tagged.csv", tmp_path / "units.parquet"
    assert main(["tag", str(source), "--lang", "da", "--backend", "rules", "--out", str(out),
                 "--units", str(units)]) == 0  # fmt: skip
    result = pd.read_csv(out, keep_default_na=False, dtype=str)
    original = pd.read_csv(source, keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(result[original.columns], original)
    assert set(TURN_COLUMNS) <= set(result.columns)
    assert len(pd.read_parquet(units)) == 7


def test_cli_tag_reports_a_bad_table(tmp_path, capsys):
    source = tmp_path / "bad.csv"
    pd.DataFrame({"tekst": ["hej"]}).to_csv(source, index=False)
    assert main(["tag", str(source), "--lang", "da", "--out", str(tmp_path / "x.csv")]) == 2
    assert "kan ikke tagges" in capsys.readouterr().err


def test_cli_tag_explains_unknown_roles_and_languages_in_danish(tmp_path, capsys):
    source = tmp_path / "turns.csv"
    table().assign(role="borger").to_csv(source, index=False)
    assert main(["tag", str(source), "--lang", "da", "--out", str(tmp_path / "x.csv")]) == 2
    assert "roller skal være caseworker, citizen eller other" in capsys.readouterr().err
    table().assign(language="sv").to_csv(source, index=False)
    assert main(["tag", str(source), "--out", str(tmp_path / "x.csv")]) == 2
    assert "sproget sv kendes ikke" in capsys.readouterr().err


def one_turn(order: tuple[str, ...], labels: list[str], units: list[np.ndarray]) -> np.ndarray:
    """The roll-up of one turn's units."""
    matrix = np.array(units).reshape(len(units), len(labels))
    return roll_up_turns(order, labels, matrix, [len(units)])[0]


@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_a_yes_no_turn_is_as_likely_as_its_likeliest_unit(unit_yes):
    """The roll-up keeps turn and unit labels in agreement: a turn is "yes" exactly when a unit
    is, however many units a long turn has."""
    units = [np.array([p, 1 - p]) for p in unit_yes]
    turn = one_turn(("yes", "no"), ["yes", "no"], units)
    assert turn[0] == pytest.approx(max(unit_yes))
    assert turn.sum() == pytest.approx(1)


@given(st.lists(st.lists(st.floats(0.01, 1), min_size=3, max_size=3), min_size=1, max_size=6))
def test_rolled_up_question_probabilities_are_a_distribution(weights):
    units = [np.array(w) / sum(w) for w in weights]  # model order: closed, none, open
    turn = one_turn(("open", "closed", "none"), ["closed", "none", "open"], units)
    assert (turn >= -1e-12).all()
    assert turn.sum() == pytest.approx(1)
    assert turn[0] == pytest.approx(max(u[2] for u in units))  # open if any unit is open


@given(
    st.lists(
        st.lists(st.lists(st.floats(0.01, 1), min_size=3, max_size=3), max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_a_batch_of_turns_rolls_up_as_each_turn_alone(turns):
    """Turns rolled up together, some without units, get what each gets alone."""
    order, labels = ("open", "closed", "none"), ["closed", "none", "open"]
    units = [[np.array(w) / sum(w) for w in turn] for turn in turns]
    matrix = np.array([u for turn in units for u in turn]).reshape(-1, 3)
    batch = roll_up_turns(order, labels, matrix, [len(turn) for turn in units])
    for row, turn in zip(batch, units, strict=True):
        alone = one_turn(order, labels, turn)
        assert row == pytest.approx(alone)
        assert alone[-1] == 1.0 or turn


@pytest.mark.parametrize(("lang", "text", "context", "share"), [
    ("en", "Yeah.", "Yeah, I do headphones.", 0.0),
    ("en", "Well, that's really something.", "That's really something, yeah.", 0.0),
    ("en", "Your grandson.", "She won't let me hold my grandson.", 1.0),
    ("da", "Okay, nå.", "Okay, nå ja, det ved jeg ikke.", 0.0),
    ("da", "Så du har søgt tre jobs i denne måned.", "Jeg har søgt tre jobs.", 2 / 3),
])  # fmt: skip
def test_repeated_words_count_only_when_they_carry_content(config, lang, text, context, share):
    stop_words = LanguagePack(lang, config.lexicon(lang)).stop_words
    assert _overlap(text, context, stop_words) == pytest.approx(share)


def test_a_blend_is_the_mean_of_its_models_label_by_label():
    from pipeline.taggers.model import Blend

    class Fixed:
        def __init__(self, labels: list[str], rows: list[list[float]]) -> None:
            self.labels, self.rows = labels, np.array(rows)

        def proba(self, items: list) -> np.ndarray:
            return self.rows

    blend = Blend((Fixed(["yes", "no"], [[0.8, 0.2]]), Fixed(["no", "yes"], [[0.6, 0.4]])))
    assert blend.labels == ["yes", "no"]
    assert np.allclose(blend.proba([None]), [[0.6, 0.4]])
