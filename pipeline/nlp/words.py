"""Words as CODEBOOK section 1 counts them: spaCy tokens that are not punctuation or space."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language


@lru_cache(maxsize=4)
def blank(lang: str) -> Language:
    """A blank spaCy pipeline (tokenizer only), loaded once per process and language."""
    return spacy_module().blank(lang)


@lru_cache(maxsize=1)
def spacy_module() -> ModuleType:
    """spaCy, imported on first use (commands that read no new text do not pay for it) and
    without torch: spaCy's thinc imports torch whenever it is installed (the transformer extra),
    which costs 1-3 s in every process, and the blank pipelines never use it. The transformer
    backend still imports torch itself."""
    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` fails at once
    try:
        import spacy
    finally:
        if blocked:
            del sys.modules["torch"]
    return spacy


def words(texts: Iterable[str], lang: str, batch_size: int = 1000) -> Iterator[list[str]]:
    """The words of each text, lower-cased, in order."""
    for doc in blank(lang).tokenizer.pipe(texts, batch_size=batch_size):
        yield [t.lower_ for t in doc if not (t.is_punct or t.is_space)]
