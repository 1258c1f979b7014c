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
