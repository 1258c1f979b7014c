"""The pipeline's stages as functions; the CLI and dvc.yaml only call these."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.io.intake import IntakeResult, run_intake
from pipeline.io.tables import write_table
from pipeline.messages import Messages
from pipeline.speaker_share import speaker_share

META_COLUMNS = ["conversation_id", "caseworker_id", "date", "language", "meeting_type", "unit"]


def intake(
    transcripts: Path, out: Path, config: Config, messages: Messages, progress: bool = True
) -> IntakeResult:
    """Read a transcripts folder through the intake gate and write intake, turns, conversations."""
    result = run_intake(transcripts, config, messages, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    result.table(messages).to_csv(out / "intake.csv", index=False, encoding="utf-8-sig")
    turns, conversations = [], []
    for conversation in result.conversations:
        meta = {column: getattr(conversation.entry, column) for column in META_COLUMNS}
        turns.append(conversation.turns.assign(**meta))
        conversations.append(
            {**meta, "file": conversation.entry.file, **speaker_share(conversation.turns)}
        )
    turn_table = (
        pd.concat(turns, ignore_index=True) if turns else pd.DataFrame(columns=META_COLUMNS)
    )
    ordered = META_COLUMNS + [c for c in turn_table.columns if c not in META_COLUMNS]
    write_table(turn_table[ordered], out, "turns")
    write_table(
        pd.DataFrame(conversations, columns=_conversation_columns(conversations)),
        out,
        "conversations",
    )
    return result


def _conversation_columns(rows: list[dict]) -> list[str]:
    return list(rows[0]) if rows else [*META_COLUMNS, "file"]
