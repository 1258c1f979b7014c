"""Shared fixtures."""

from __future__ import annotations

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
