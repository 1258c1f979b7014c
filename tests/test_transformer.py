"""The transformer backend, on a tiny randomly initialised BERT built here from a config and a
tokenizer trained here on the sample transcripts: nothing is downloaded."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch", reason="the transformer extra: pip install '.[transformer]'")
transformers = pytest.importorskip("transformers")

from pipeline.cli import main  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.evaluation import evaluate  # noqa: E402
from pipeline.io.gold import read_folder  # noqa: E402
from pipeline.taggers.tagger import Tagger  # noqa: E402
from pipeline.tagging import tag_table  # noqa: E402
from pipeline.training import train  # noqa: E402
from tests.helpers import ROOT  # noqa: E402

pytestmark = pytest.mark.transformer
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A 2-layer BERT with random weights and a WordPiece tokenizer trained on the samples."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    texts = _sample_texts()
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=800, special_tokens=SPECIAL)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])  # fmt: skip
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]")  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-bert")
    fast.save_pretrained(folder)
    config = transformers.BertConfig(vocab_size=fast.vocab_size, hidden_size=32,
                                     num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=160)  # fmt: skip
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    return folder


def _sample_texts() -> list[str]:
    from pipeline.io.readers import read_file

    folder = ROOT / "transcripts_sample"
    return [s.text for path in sorted(folder.glob("*.vtt")) for s in read_file(path)[1].segments]


@pytest.fixture(scope="module")
def small_annotations(tmp_path_factory):
    """A few hundred Danish annotated turns, so that training takes seconds."""
    frame = read_folder(ROOT / "data" / "annotations" / "da")
    folder = tmp_path_factory.mktemp("annotations")
    (folder / "da").mkdir()
    frame.groupby("role", group_keys=False).head(120).to_csv(folder / "da" / "part.csv",
                                                             index=False)  # fmt: skip
    return folder


def _config(tiny_bert, **transformer) -> Config:
    base = Config.load(ROOT / "configs" / "params.yaml")
    params = copy.deepcopy(base.params)
    params["tagger"]["backend"] = "transformer"
    params["tagger"]["transformer"].update(model_path=str(tiny_bert), epochs=1, batch_size=16,
                                           max_length=64, **transformer)  # fmt: skip
    return Config(params, base.config_dir)


@pytest.fixture(scope="module")
def trained(tiny_bert, small_annotations, tmp_path_factory):
    config = _config(tiny_bert)
    models = tmp_path_factory.mktemp("models")
    meta = train("da", config, small_annotations, models, seed=0)
    return config, models, meta


def test_training_saves_a_model_per_dimension(trained):
    _, models, meta = trained
    folder = models / "da" / "transformer"
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [
        "agency", "framing", "input", "question", "reflection"]  # fmt: skip
    for record in meta["transformer"].values():
        assert record["epochs"][0]["held_out_loss"] > 0 and record["held_out_turns"] > 0


def test_tag_writes_the_same_columns_as_the_other_backends(trained, trained_models):
    config, models, _ = trained
    texts = [
        "Hvad tænker du selv?",
        "Jeg har selv ringet til dem.",
        "Så du har taget sagen i egen hånd. Vi skal have dig i gang.",
    ]
    roles = ["caseworker", "citizen", "caseworker"]
    turns = pd.DataFrame({"conversation_id": "c", "turn": [0, 1, 2], "role": roles, "text": texts})
    by_transformer = tag_table(turns, config, lang="da", taggers={
        "da": Tagger("da", config, "transformer", models_dir=models)})  # fmt: skip
    by_model = tag_table(turns, config, lang="da", taggers={
        "da": Tagger("da", config, "model", models_dir=trained_models)})  # fmt: skip
    for ours, theirs in zip(by_transformer, by_model, strict=True):
        assert list(ours.columns) == list(theirs.columns)
    tagged = by_transformer[0]
    assert tagged.loc[0, "question"] in ("open", "closed", "none")
    assert tagged["question_p"].iloc[[0, 2]].between(0, 1).all()
    assert tagged.loc[1, "agency"] in ("agentive", "non_agentive", "neutral")


def test_the_backend_blends_the_encoder_with_the_scikit_learn_model(trained, tiny_bert):
    """By default each fine-tuned dimension is the mean of the encoder and the scikit-learn model
    trained beside it; with `blend: false`, the encoder alone."""
    from pipeline.taggers.features import Item
    from pipeline.taggers.model import Blend, load_models

    config, models, _ = trained
    blended = Tagger("da", config, "transformer", models_dir=models)
    alone = Tagger("da", _config(tiny_bert, blend=False), "transformer", models_dir=models)
    own = load_models(models / "da")["question"]
    items = [Item(a, "", {}) for a in blended.pack.analyse(["Hvad tænker du?", "Kom ind.", ""])]
    assert isinstance(blended.models["question"], Blend)
    assert not isinstance(alone.models["question"], Blend)
    labels = blended.models["question"].labels
    expected = np.mean([model.proba(items)[:, [model.labels.index(x) for x in labels]]
                        for model in (alone.models["question"], own)], axis=0)  # fmt: skip
    assert np.allclose(blended.models["question"].proba(items), expected)
    assert np.allclose(expected.sum(axis=1), 1)


def test_evaluate_and_training_are_seeded(trained, tiny_bert, small_annotations, tmp_path):
    config, models, _ = trained
    gold = read_folder(ROOT / "data" / "gold" / "da").head(40)
    first = evaluate(Tagger("da", config, "transformer", models_dir=models), gold)
    assert set(first) == {"question", "reflection", "input", "agency", "framing"}
    train("da", config, small_annotations, tmp_path, seed=0)
    again = evaluate(Tagger("da", config, "transformer", models_dir=tmp_path), gold)
    assert {d: s["macro_f1"] for d, s in again.items()} == \
        {d: s["macro_f1"] for d, s in first.items()}  # fmt: skip


def test_missing_model_path_is_a_clear_error(tmp_path, capsys):
    params = yaml_params(tmp_path, model_path=str(tmp_path / "no-model-here"))
    assert main(["train", "--lang", "da", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "no-model-here" in err and "Intet hentes fra nettet" in err


def yaml_params(tmp_path, **transformer):
    import shutil

    import yaml

    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    params = yaml.safe_load((configs / "params.yaml").read_text(encoding="utf-8"))
    params["tagger"]["backend"] = "transformer"
    params["tagger"]["transformer"].update(transformer)
    params["paths"]["models"] = str(tmp_path / "models")
    params["paths"]["annotations"] = str(ROOT / "data" / "annotations")
    (configs / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    return configs / "params.yaml"
