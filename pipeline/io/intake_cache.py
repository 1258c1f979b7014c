"""A cache of what the intake gate made of each manifest row, so that a run reads and checks
only new or changed transcripts.

An entry holds one row's intake record and, when the conversation was admitted, its turns. Its
key is a hash of the manifest row, the bytes of its transcript file, the intake settings (the
params, the lexicon, the personal-data lists, the language of the reasons) and the intake code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyarrow import feather

from pipeline.caching import prune, write_arrow
from pipeline.config import Config
from pipeline.digest import digest_files
from pipeline.io.manifest import ManifestEntry

_INTAKE_CODE = ("io", "nlp/words.py", "turns.py", "locale")
_RECORD = b"samtalespejl.intake_record"
_SUFFIX = ".intake.arrow"


class IntakeCache:
    def __init__(self, folder: Path, config: Config, ui_language: str) -> None:
        self.folder = folder
        self.config = config
        self._settings = {
            "params": {key: config.get(key) for key in ("intake", "speaker_share")},
            "ui_language": ui_language,
            "personal_data": digest_files(config.config_dir / "personal_data"),
            "code": digest_files(*(Path(__file__).parents[1] / p for p in _INTAKE_CODE)),
        }
        self._files: dict[Path, str] = {}
        self._lexicons: dict[str, str] = {}

    def key(self, entry: ManifestEntry, path: Path | None) -> str:
        """The hash of a manifest row, its file and the intake settings."""
        parts = {**self._settings, "entry": dataclasses.asdict(entry), "file": self._digest(path),
                 "lexicon": self._lexicon(entry.language)}  # fmt: skip
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def read(self, key: str) -> tuple[dict, pa.Table | None] | None:
        """The record's fields and the turns (None when not admitted); None if not cached."""
        path = self.folder / f"{key}{_SUFFIX}"
        if not path.is_file():
            return None
        table = feather.read_table(path)
        stored = json.loads(table.schema.metadata[_RECORD])
        return stored["record"], table if stored["admitted"] else None

    def write(self, key: str, record: dict, turns: pa.Table | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        table = turns if turns is not None else pa.Table.from_pandas(pd.DataFrame())
        stored = json.dumps({"record": record, "admitted": turns is not None})
        metadata = {**(table.schema.metadata or {}), _RECORD: stored.encode()}
        write_arrow(table.replace_schema_metadata(metadata), self.folder / f"{key}{_SUFFIX}")

    def keep_only(self, keys: set[str]) -> int:
        return prune(self.folder, keys)

    def _lexicon(self, lang: str) -> str:
        """A hash of a language's lexicon, made once per run rather than once per row."""
        if lang not in self._lexicons:
            text = json.dumps(self.config.lexicon(lang), sort_keys=True, default=str)
            self._lexicons[lang] = hashlib.sha256(text.encode()).hexdigest()
        return self._lexicons[lang]

    def _digest(self, path: Path | None) -> str:
        if path is None or not path.is_file():
            return "missing"
        if path not in self._files:
            self._files[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._files[path]
