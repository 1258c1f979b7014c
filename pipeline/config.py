"""Parameters (configs/params.yaml) and the language data beside them (configs/lexicons, ...)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

DEFAULT_PARAMS = Path("configs") / "params.yaml"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml, when PyYAML has it


def parse_yaml(text: str) -> object:
    """`yaml.safe_load`, with libyaml's parser where PyYAML was built with it (about ten times
    faster on the lexicons, which every run reads)."""
    return yaml.load(text, Loader=_YAML_LOADER)


class ConfigError(Exception):
    """The params file cannot be found or read."""


class LexiconError(Exception):
    """A word in a lexicon's lists that YAML reads as something else: yes, no, on, off and
    true, false are booleans unless quoted."""

    def __init__(self, path: Path, line: int, word: str) -> None:
        super().__init__(f"{path}:{line}: {word}")
        self.path, self.line, self.word = path, line, word


@dataclass(frozen=True)
class Config:
    params: dict
    config_dir: Path  # the folder params.yaml is in; lexicons and lists live beside it

    @classmethod
    def load(cls, path: Path | None = None) -> Config:
        """Read params.yaml: the given path, else configs/params.yaml here or in the project."""
        candidates = [path] if path else [DEFAULT_PARAMS, _PACKAGE_ROOT / DEFAULT_PARAMS]
        for candidate in candidates:
            if candidate.is_file():
                params = parse_yaml(candidate.read_text(encoding="utf-8")) or {}
                return cls(params, candidate.resolve().parent)
        raise ConfigError(str(candidates[0]))

    def get(self, dotted: str, default: object = None) -> object:
        node: object = self.params
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @cached_property
    def _lexicons(self) -> dict[str, dict]:
        return {}

    def lexicon(self, lang: str) -> dict:
        """configs/lexicons/<lang>.yaml as a dict (empty if the language has none)."""
        if lang not in self._lexicons:
            path = self.config_dir / "lexicons" / f"{lang}.yaml"
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            _check_words(path, text)
            self._lexicons[lang] = parse_yaml(text) or {}
        return self._lexicons[lang]


def _check_words(path: Path, text: str) -> None:
    """Raise LexiconError at the first item of a list that YAML reads as a boolean or null, not
    as a word: an unquoted `no` in `negations: [not, no]` would silently be False."""
    found = sorted(_not_words(yaml.compose(text, Loader=_YAML_LOADER)))
    if found:
        raise LexiconError(path, *found[0])


def _not_words(node: yaml.Node | None) -> Iterator[tuple[int, str]]:
    """(line, text) of every list item under `node` that YAML reads as a boolean or null."""
    if isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _not_words(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and item.tag in _NOT_WORDS:
                yield item.start_mark.line + 1, item.value
            else:
                yield from _not_words(item)


_NOT_WORDS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
