"""Words as CODEBOOK section 1 counts them: spaCy tokens that are not punctuation or space."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language


@lru_cache(maxsize=4)
def blank(lang: str) -> Language:
    """A blank spaCy pipeline (tokenizer only), loaded once per process and language."""
    import spacy  # on first use: commands that read no new text do not pay for the import

    return spacy.blank(lang)


def words(texts: Iterable[str], lang: str, batch_size: int = 1000) -> Iterator[list[str]]:
    """The words of each text, lower-cased, in order."""
    for doc in blank(lang).tokenizer.pipe(texts, batch_size=batch_size):
        yield [t.lower_ for t in doc if not (t.is_punct or t.is_space)]
