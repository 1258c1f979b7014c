"""Texts a person reads, in Danish by default or English, from pipeline/locale/<lang>.yaml."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pipeline.config import parse_yaml

LOCALE_DIR = Path(__file__).parent / "locale"
UI_LANGUAGES = ("da", "en")
ENV_VAR = "SAMTALESPEJL_UI_LANG"


@cache
def _catalogue(lang: str) -> dict:
    return parse_yaml((LOCALE_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))


def resolve_language(setting: str | None = None) -> str:
    """The UI language: the environment variable wins over the params setting; default Danish."""
    lang = os.environ.get(ENV_VAR) or setting or "da"
    return lang if lang in UI_LANGUAGES else "da"


class Messages:
    """Look up and fill in texts: `Messages("da").text("reason.consent", value="no")`."""

    def __init__(self, lang: str = "da") -> None:
        self.lang = resolve_language(lang)

    def text(self, key: str, **params: object) -> str:
        node = _catalogue(self.lang)
        for part in key.split("."):
            node = node[part]
        return str(node).format(**params) if params else str(node)

    def where(self, unit: str, n: int | None) -> str:
        return self.text(f"where.{unit}", n=n) if n is not None else ""
