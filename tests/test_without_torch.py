"""Everything but the transformer backend works without torch and transformers installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT


def test_the_rest_runs_without_torch():
    """Every module but the transformer backend imports and tags with torch unavailable."""
    code = (
        "import importlib, importlib.abc, pkgutil, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'transformers'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pipeline\n"
        "names = [m.name for m in pkgutil.walk_packages(pipeline.__path__, 'pipeline.')]\n"
        "for name in names:\n"
        "    if name not in ('pipeline.__main__', 'pipeline.taggers.transformer'):\n"
        "        importlib.import_module(name)\n"
        "from pathlib import Path\n"
        "from pipeline.config import Config\n"
        "from pipeline.taggers.tagger import Tagger\n"
        f"config = Config.load(Path({str(ROOT / 'configs' / 'params.yaml')!r}))\n"
        "print(Tagger('da', config, 'rules').tag_text('Hvad tænker du?').labels['question'])\n"
        "assert 'torch' not in sys.modules\n"
    )
    assert run_python(code) == "open"


def test_spacy_is_imported_without_torch():
    """thinc (spaCy's) imports torch whenever it is installed, seconds in every process; the
    pipeline's spaCy import keeps it out, and torch still imports afterwards for those who use
    the transformer backend."""
    pytest.importorskip("torch")
    code = (
        "import sys\n"
        "from pipeline.nlp.words import words\n"
        "assert list(words(['Hvad tænker du?'], 'da')) == [['hvad', 'tænker', 'du']]\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "print(torch.tensor([1, 2]).sum().item())\n"
    )
    assert run_python(code) == "3"


def run_python(code: str) -> str:
    """What `code` prints, run in a fresh interpreter (nothing imported yet)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
