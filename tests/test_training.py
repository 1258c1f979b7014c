"""Training is deterministic with a seed and writes models the tagger can load."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pipeline.io.gold import read_folder
from pipeline.nlp.pack import TurnAnalysis
from pipeline.taggers.features import Item
from pipeline.taggers.tagger import Tagger
from pipeline.training import train
from tests.helpers import ROOT


def small_annotations(tmp_path):
    frame = read_folder(ROOT / "data" / "annotations" / "da")
    folder = tmp_path / "annotations" / "da"
    folder.mkdir(parents=True)
    sample = pd.concat(group.sample(200, random_state=0) for _, group in frame.groupby("role"))
    sample.to_csv(folder / "sample.csv", index=False)
    return tmp_path / "annotations"


def test_training_with_a_seed_is_deterministic(tmp_path, config):
    annotations = small_annotations(tmp_path)
    texts = ["Hvad tænker du om det?", "Du skal sende listen.", "Så du er træt."]
    probabilities = []
    for run in ("a", "b"):
        models = tmp_path / f"models_{run}"
        meta = train("da", config, annotations, models, seed=7)
        assert meta["turns"] == 400 and meta["seed"] == 7
        tagger = Tagger("da", config, backend="model", models_dir=models)
        tagged = tagger.tag(texts, ["caseworker"] * 3, [""] * 3)
        probabilities.append([t.p for t in tagged])
    assert probabilities[0] == probabilities[1]
    saved = json.loads((tmp_path / "models_a" / "da" / "meta.json").read_text())
    assert set(saved["dimensions"]) == {"question", "reflection", "input", "framing", "agency"}
    calibration = json.loads((tmp_path / "models_a" / "da" / "rules_calibration.json").read_text())
    assert 0 < calibration["question"]["open"] < 1


def test_rules_probabilities_come_from_training(tmp_path, config):
    annotations = small_annotations(tmp_path)
    train("da", config, annotations, tmp_path / "models", seed=0)
    tagged = Tagger("da", config, backend="rules", models_dir=tmp_path / "models").tag_text(
        "Hvad tænker du om det?")  # fmt: skip
    assert 0.5 < tagged.p["question"] < 1
    assert pd.isna(Tagger("da", config, "rules", tmp_path / "none").tag_text("Hej?").p["question"])


def test_fast_character_features_equal_scikit_learns(tmp_path, config):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.taggers.features import char_tfidf

    texts = read_folder(ROOT / "data" / "annotations" / "da")["text"].tolist()[:600]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3,
                                 sublinear_tf=True).fit(texts[:400])  # fmt: skip
    unseen = [*texts[400:], "", "Ø", "to  mellemrum\tog tab", "ÆBLE æble?"]
    seen: dict = {}
    for _ in range(2):  # the second time from the words already seen
        fast = char_tfidf(vectorizer, unseen, seen)
        assert abs(fast - vectorizer.transform(unseen)).max() < 1e-12
    assert fast.shape == (len(unseen), len(vectorizer.idf_)) and fast.nnz > 10_000


def test_units_of_a_turn_get_the_labels_the_turn_implies():
    """Training on units: the likeliest unit carries the turn's label, no unit outranks it."""
    import numpy as np

    from pipeline.taggers.fitting import _unit_labels

    order, classes = ("open", "closed", "none"), ["closed", "none", "open"]
    p = np.array([[0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.2, 0.2, 0.6]])  # none, closed, open
    assert _unit_labels("open", order, classes, p) == ["none", "closed", "open"]
    # a closed turn: the unit guessed open is closed, the likeliest closed unit is closed
    assert _unit_labels("closed", order, classes, p) == ["none", "closed", "closed"]
    assert _unit_labels("none", order, classes, p) == ["none"] * 3
    assert _unit_labels("open", order, classes, p[:1]) == ["open"]


def test_word_features_equal_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.taggers.features import TOKEN_PATTERN, word_tfidf
    from pipeline.taggers.fitting import _ngrams

    texts = read_folder(ROOT / "data" / "annotations" / "da")["text"].tolist()[:600]
    vectorizer = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                                 token_pattern=TOKEN_PATTERN).fit(texts[:400])  # fmt: skip
    unseen = [*texts[400:], "", "?", "Ø", "HVAD tænker du?? ja", "zzz qqq"]
    ours = word_tfidf(_ngrams(vectorizer), unseen)
    assert abs(ours - vectorizer.transform(unseen)).max() < 1e-12
    assert ours.shape == (len(unseen), len(vectorizer.idf_)) and ours.nnz > 2_000


@pytest.mark.parametrize("classes", [2, 3])
def test_the_classifiers_arrays_give_scikit_learns_probabilities(classes):
    """Tagging without scikit-learn: the arrays of a fitted calibrated classifier give its
    probabilities, for two labels (one row of coefficients) and for three."""
    from scipy import sparse

    from pipeline.taggers.fitting import as_arrays, build_classifier

    rng = np.random.default_rng(0)
    matrix = sparse.random(300, 40, density=0.2, format="csr", random_state=1)
    labels = [["ja", "nej", "måske"][i] for i in rng.integers(0, classes, 300)]
    fitted = build_classifier(seed=3).fit(matrix[:200], labels[:200])
    arrays = as_arrays(fitted)
    assert arrays.classes == [str(c) for c in fitted.classes_]
    assert (
        np.abs(arrays.predict_proba(matrix[200:]) - fitted.predict_proba(matrix[200:])).max()
        < 1e-12
    )


def test_saved_models_load_without_pickle_and_predict_the_same(tmp_path, config):
    """models.npz holds only arrays (it loads with allow_pickle=False), and the loaded models
    give the fitted models' probabilities exactly."""
    from pipeline.taggers.fitting import fit_models
    from pipeline.taggers.model import MODELS_FILE, load_models, predict, save_models

    tagger = Tagger("da", config, backend="rules")
    frame = read_folder(ROOT / "data" / "annotations" / "da").head(300)
    tagged = tagger.tag(frame["text"].tolist(), frame["role"].tolist(), frame["context"].tolist())
    items = [
        Item(TurnAnalysis(text, [u for u, _ in t.units]), context, t.labels)
        for text, context, t in zip(frame["text"], frame["context"], tagged, strict=True)
    ]
    rows = [i for i, label in enumerate(frame["question"]) if label]
    fitted = fit_models(items, {"question": (rows, frame["question"].iloc[rows].tolist())}, 0,
                        tagger.pack.stop_words)  # fmt: skip
    save_models(fitted, tmp_path, {"language": "da"})
    loaded = load_models(tmp_path)
    assert np.array_equal(predict(list(loaded.values()), items),
                          predict(list(fitted.values()), items))  # fmt: skip
    assert loaded["question"].labels == fitted["question"].labels
    assert loaded["question"].features.stop_words == tagger.pack.stop_words
    with np.load(tmp_path / MODELS_FILE, allow_pickle=False) as saved:
        assert all(saved[name].dtype != object for name in saved.files)


def test_tagging_does_not_import_scikit_learn(trained_models):
    script = (
        "import sys; from pathlib import Path; from pipeline.config import Config; "
        "from pipeline.taggers.tagger import Tagger; "
        f"t = Tagger('da', Config.load(), 'model', Path({str(trained_models)!r})); "
        "print(t.tag_text('Hvad tænker du?').labels['question'], 'sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True)  # fmt: skip
    assert done.stdout.split() == ["open", "False"]
