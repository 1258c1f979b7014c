"""Shared fixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import Config
from pipeline.messages import Messages
from tests.helpers import ROOT


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.load(ROOT / "configs" / "params.yaml")


@pytest.fixture
def messages() -> Messages:
    return Messages("da")


@pytest.fixture(scope="session")
def trained_models(config, tmp_path_factory):
    """Models trained once per test session on the project's annotations, in a temp folder."""
    from pipeline.training import train

    folder = tmp_path_factory.mktemp("models")
    for lang in ("da", "en"):
        train(lang, config, ROOT / "data" / "annotations", folder, seed=0)
    return folder


@pytest.fixture(scope="session")
def trained_taggers(config, trained_models):
    from pipeline.taggers.tagger import Tagger

    return {
        lang: Tagger(lang, config, backend="model", models_dir=trained_models)
        for lang in ("da", "en")
    }


def run_job(transcripts, out, config, taggers, lang="da"):
    """Intake, tagging (by the given taggers), aggregation and sheets into `out`."""
    from pipeline import stages
    from pipeline.io.tables import write_table
    from pipeline.sheets.build import build_sheets
    from pipeline.tagging import tag_table

    stages.intake(transcripts, out, config, Messages(lang), progress=False)
    turns, units = tag_table(pd.read_parquet(out / "intake" / "turns.parquet"), config,
                             taggers=dict(taggers))  # fmt: skip
    write_table(turns, out, "turns")
    write_table(units, out, "units")
    history = out / "history" / "conversations.csv"
    stages.aggregate(out, out / "metrics", history, config)
    build_sheets(out, config, ROOT / "metrics" / "eval.json", history, lang)
    return out


@pytest.fixture(scope="session")
def sample_outputs(config, trained_taggers, tmp_path_factory):
    """The whole job on the bundled sample transcripts, tagged by the trained models."""
    return run_job(ROOT / "transcripts_sample", tmp_path_factory.mktemp("sample-out"), config,
                   trained_taggers)  # fmt: skip
