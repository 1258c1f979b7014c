"""Helpers for tests: the project root and a way to lay out a transcripts folder."""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_COLUMNS = [
    "file", "conversation_id", "caseworker_id", "date", "consent", "anonymised", "language",
    "unit", "meeting_type", "speakers",
]  # fmt: skip


def manifest_row(file: str, conversation_id: str | None = None, **values: str) -> dict:
    row = {
        "file": file, "conversation_id": conversation_id or Path(file).stem,
        "caseworker_id": "cw-01", "date": "2026-03-02", "consent": "yes", "anonymised": "yes",
        "language": "da", "unit": "team-a", "meeting_type": "jobsamtale",
        "speakers": "Rådgiver=caseworker;Borger=citizen",
    }  # fmt: skip
    row.update(values)
    return row


def write_folder(folder: Path, files: dict[str, bytes | str], rows: list[dict]) -> Path:
    """A transcripts folder with the given files and a manifest of the given rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return folder


SIMPLE_TEXT = (
    "Rådgiver: Hej, kom bare ind.\n"
    "Borger: Tak.\n"
    "Rådgiver: Hvad tænker du om praktik?\n"
    "Borger: Jeg vil gerne prøve noget med dyr, det har jeg altid haft lyst til.\n"
)
