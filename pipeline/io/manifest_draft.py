"""A manifest draft for a folder of transcripts: one row per file (per conversation in a turn
table) with the speaker labels found, for a person to map to roles and fill in.

Consent and anonymisation are always left empty: only a person who has checked them may write
`yes`, and the intake gate analyses nothing without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.io.intake import transcript_files
from pipeline.io.manifest import REQUIRED
from pipeline.io.readers import read_file
from pipeline.io.segments import UnreadableFile
from pipeline.messages import Messages

COLUMNS = [*REQUIRED[:7], "unit", "meeting_type", "speakers", "note"]
_ISO_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


def draft_manifest(folder: Path, config: Config, messages: Messages) -> pd.DataFrame:
    rows = []
    root = folder.resolve()
    for path in transcript_files(folder, config):
        name = path.relative_to(root).as_posix()
        try:
            _, result = read_file(path)
        except UnreadableFile as error:
            note = messages.text(f"reason.{error.problem.key}", **error.problem.params)
            rows.append(_row(name, path.stem, [], messages.text("draft.unreadable", reason=note)))
            continue
        speakers: dict[str, list[str]] = {}
        for segment in result.segments:
            labels = speakers.setdefault(segment.conversation_id or path.stem, [])
            if segment.speaker not in labels:
                labels.append(segment.speaker)
        rows += [_row(name, conversation, labels, messages.text("draft.fill_in"))
                 for conversation, labels in speakers.items()]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(file: str, conversation_id: str, speakers: list[str], note: str) -> dict[str, str]:
    found = _ISO_DATE.search(file)
    return {"file": file, "conversation_id": conversation_id, "caseworker_id": "",
            "date": found.group(1) if found else "", "consent": "", "anonymised": "",
            "language": "", "unit": "", "meeting_type": "",
            "speakers": ";".join(f"{label}=" for label in speakers), "note": note}  # fmt: skip
