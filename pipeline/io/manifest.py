"""manifest.csv: one row per conversation, with consent, anonymisation and the speaker roles."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.io.encoding import decode_bytes
from pipeline.io.segments import Problem, UnreadableFile

REQUIRED = (
    "file",
    "conversation_id",
    "caseworker_id",
    "date",
    "consent",
    "anonymised",
    "language",
    "speakers",
)
ROLES = ("caseworker", "citizen", "other")
LANGUAGES = ("da", "en")


@dataclass
class ManifestEntry:
    line: int
    file: str
    conversation_id: str
    caseworker_id: str
    date: str
    consent: str
    anonymised: str
    language: str
    unit: str
    meeting_type: str
    speakers: dict[str, str]  # label folded to lower case -> role
    problems: list[Problem] = field(default_factory=list)

    def role_of(self, label: str) -> str | None:
        return self.speakers.get(fold_label(label))


def fold_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def read_manifest(path: Path) -> list[ManifestEntry]:
    """Every row of the manifest, each with the problems found in it.

    Raises UnreadableFile when the file as a whole cannot be used.
    """
    text, _ = decode_bytes(path.read_bytes())
    text = text.lstrip("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UnreadableFile("manifest_columns", line=1, columns=", ".join(missing))
    reader.fieldnames = header
    entries: list[ManifestEntry] = []
    line = reader.line_num
    try:
        for row in reader:
            values = {key: (value or "").strip() for key, value in row.items() if key}
            if any(values.values()):
                entries.append(_entry(line + 1, values))
            line = reader.line_num
    except csv.Error as error:
        raise UnreadableFile(
            "manifest_unreadable", line=reader.line_num, detail=str(error)
        ) from error
    return entries


def _entry(line: int, values: dict[str, str]) -> ManifestEntry:
    problems: list[Problem] = []

    def check(column: str, ok: bool, expected: str) -> None:
        if not ok:
            problems.append(
                Problem(
                    "manifest_value",
                    line,
                    {"column": column, "value": values.get(column, ""), "expected": expected},
                )
            )

    for column in ("file", "conversation_id", "caseworker_id"):
        check(column, bool(values.get(column)), "required")
    consent, anonymised = values["consent"].lower(), values["anonymised"].lower()
    check("consent", consent in ("yes", "no"), "yes_no")
    check("anonymised", anonymised in ("yes", "no"), "yes_no")
    check("date", _is_date(values["date"]), "date")
    language = values["language"].lower()
    check("language", language in LANGUAGES, "language")
    speakers = parse_speakers(values["speakers"])
    if speakers is None:
        problems.append(Problem("manifest_speakers", line, {"value": values["speakers"]}))
    return ManifestEntry(
        line=line,
        file=values["file"],
        conversation_id=values["conversation_id"],
        caseworker_id=values["caseworker_id"],
        date=values["date"],
        consent=consent,
        anonymised=anonymised,
        language=language,
        unit=values.get("unit", ""),
        meeting_type=values.get("meeting_type", ""),
        speakers=speakers or {},
        problems=problems,
    )


def parse_speakers(value: str) -> dict[str, str] | None:
    """ "Rådgiver 1=caseworker;Borger=citizen" -> {"rådgiver 1": "caseworker", ...}; None if bad."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        label, sep, role = part.rpartition("=")
        if not sep or not label.strip() or role.strip().lower() not in ROLES:
            return None
        mapping[fold_label(label)] = role.strip().lower()
    return mapping


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
