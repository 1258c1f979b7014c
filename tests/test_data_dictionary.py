"""Every column of every research table is described in docs/data_dictionary.md."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline.figures import NAMES
from pipeline.tagging import TAG_NAMES
from tests.helpers import ROOT

DICTIONARY = (ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([^`\s]+)`", DICTIONARY))
PLACEHOLDERS = {"<role>": ("caseworker", "citizen", "other"), "<tag>": TAG_NAMES,
                "<figure>": NAMES}  # fmt: skip


def _described(column: str) -> bool:
    if column in DOCUMENTED:
        return True
    for name in DOCUMENTED:
        for placeholder, values in PLACEHOLDERS.items():
            if placeholder in name and any(name.replace(placeholder, v) == column for v in values):
                return True
    return False


@pytest.mark.parametrize("table", ["turns", "units", "conversations", "caseworkers"])
def test_every_column_is_described(sample_outputs, table):
    columns = pd.read_parquet(sample_outputs / f"{table}.parquet").columns
    assert [c for c in columns if not _described(c)] == []
