"""The intake gate: every manifest row and every file ends in intake.csv; only the good is read.

A conversation is analysed only with consent and anonymisation `yes`, a readable file, every
speaker label mapped to a role, both a caseworker and a citizen, and no leftover personal data.
A problem in one file never stops the batch.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from pipeline.config import Config
from pipeline.io.intake_cache import IntakeCache
from pipeline.io.manifest import ManifestEntry, read_manifest
from pipeline.io.personal_data import PersonalDataScanner
from pipeline.io.readers import TABLE_FORMATS, Format, read_file
from pipeline.io.segments import Problem, ReadResult, Segment, UnreadableFile
from pipeline.messages import Messages
from pipeline.turns import build_turns

ANALYSED, WARNING, QUARANTINED = "analysed", "warning", "quarantined"
INTAKE_COLUMNS = [
    "file",
    "conversation_id",
    "caseworker_id",
    "date",
    "status",
    "reason",
    "location",
    "format",
    "encoding",
    "turns",
    "manifest_line",
    "withdrawn",
]
_MAX_LOCATIONS = 5


@dataclass
class IntakeRecord:
    file: str
    conversation_id: str = ""
    caseworker_id: str = ""
    date: str = ""
    status: str = ANALYSED
    reasons: list[str] = field(default_factory=list)
    location: str = ""
    format: str = ""
    encoding: str = ""
    turns: int = 0
    manifest_line: int | None = None
    # Consent or anonymisation now "no", or the listed file removed: the conversation is taken
    # out of every output and out of the history of figures (pipeline/history.py).
    withdrawn: bool = False

    def flag(self, status: str, reason: str, location: str = "") -> None:
        """Add a reason; the status only ever gets worse (analysed < warning < quarantined)."""
        order = (ANALYSED, WARNING, QUARANTINED)
        if order.index(status) > order.index(self.status):
            self.status = status
        self.reasons.append(reason)
        self.location = self.location or location


@dataclass
class Conversation:
    """An analysed conversation: its manifest row and its turns, as an Arrow table (as they
    are cached: a run over many unchanged transcripts makes one table of them, not many)."""

    entry: ManifestEntry
    table: pa.Table

    @property
    def turns(self) -> pd.DataFrame:
        return self.table.to_pandas()


@dataclass
class IntakeResult:
    records: list[IntakeRecord]
    conversations: list[Conversation]

    def table(self, messages: Messages) -> pd.DataFrame:
        rows = [
            {**record.__dict__, "reason": " ".join(record.reasons) or messages.text("reason.ok")}
            for record in self.records
        ]
        return pd.DataFrame(rows, columns=INTAKE_COLUMNS)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((ANALYSED, WARNING, QUARANTINED), 0)
        for record in self.records:
            counts[record.status] += 1
        return counts


class IntakeGate:
    """Runs the gate over one transcripts folder."""

    def __init__(self, folder: Path, config: Config, messages: Messages,
                 cache: IntakeCache | None = None) -> None:  # fmt: skip
        self.folder = folder
        self._root = folder.resolve()
        self.config = config
        self.messages = messages
        self.cache = cache
        self._cache_keys: set[str] = set()
        self._reads: dict[str, tuple[Format, ReadResult] | UnreadableFile] = {}
        self._entries_by_file: dict[str, list[ManifestEntry]] = defaultdict(list)
        self._resolved: dict[str, Path | None] = {}

    def run(self, progress: bool = True) -> IntakeResult:
        files = self._transcript_files()
        manifest_path = self.folder / str(self.config.get("intake.manifest", "manifest.csv"))
        records: list[IntakeRecord] = []
        conversations: list[Conversation] = []
        try:
            entries = read_manifest(manifest_path)
        except FileNotFoundError:
            return self._without_manifest(files, self.messages.text("reason.manifest_missing"))
        except UnreadableFile as error:
            return self._without_manifest(files, self._describe(error.problem, "line"))
        for entry in entries:
            self._entries_by_file[entry.file].append(entry)
        threshold = int(self.config.get("intake.progress_bar_above", 5))
        bar = tqdm(
            entries,
            desc=self.messages.text("cli.progress"),
            unit=self.messages.text("cli.progress_unit"),
            disable=not progress or len(entries) <= threshold,
        )
        seen_ids: set[str] = set()
        for entry in bar:
            record, conversation = self._admit_cached(entry, seen_ids)
            seen_ids.add(entry.conversation_id)
            records.append(record)
            if conversation is not None:
                conversations.append(conversation)
        listed = {self._resolve(entry.file) for entry in entries}
        records += [self._unlisted(path) for path in files if path not in listed]
        records += self._unlisted_conversations(entries)
        if self.cache is not None:
            self.cache.keep_only(self._cache_keys)
        return IntakeResult(records, conversations)

    # --- one manifest row -------------------------------------------------------------
    def _admit_cached(
        self, entry: ManifestEntry, seen_ids: set[str]
    ) -> tuple[IntakeRecord, Conversation | None]:
        """`_admit` through the cache. Tables of many conversations are always read: only
        reading them shows the conversations no manifest row names."""
        if self.cache is None or entry.conversation_id in seen_ids:
            return self._admit(entry, seen_ids)
        key = self.cache.key(entry, self._resolve(entry.file))
        self._cache_keys.add(key)
        if (cached := self.cache.read(key)) is not None:
            fields, turns = cached
            return IntakeRecord(**fields), None if turns is None else Conversation(entry, turns)
        record, conversation = self._admit(entry, seen_ids)
        if record.format not in TABLE_FORMATS:
            self.cache.write(key, record.__dict__, conversation and conversation.table)
        return record, conversation

    def _admit(
        self, entry: ManifestEntry, seen_ids: set[str]
    ) -> tuple[IntakeRecord, Conversation | None]:
        record = IntakeRecord(
            entry.file,
            entry.conversation_id,
            entry.caseworker_id,
            entry.date,
            manifest_line=entry.line,
        )
        for problem in entry.problems:
            record.flag(QUARANTINED, self._describe(problem, "line"))
        if entry.conversation_id and entry.conversation_id in seen_ids:
            record.flag(
                QUARANTINED,
                self._describe(
                    Problem(
                        "manifest_duplicate", entry.line, {"conversation_id": entry.conversation_id}
                    ),
                    "line",
                ),
            )
        if entry.consent != "yes":
            record.flag(QUARANTINED, self.messages.text("reason.consent", value=entry.consent))
        if entry.anonymised != "yes":
            record.flag(
                QUARANTINED, self.messages.text("reason.anonymised", value=entry.anonymised)
            )
        path = self._resolve(entry.file)
        if path is None or not path.is_file():
            record.flag(QUARANTINED, self.messages.text("reason.file_missing"))
        if "no" in (entry.consent, entry.anonymised) or path is None or not path.is_file():
            record.withdrawn = True
            record.flag(QUARANTINED, self.messages.text("reason.withdrawn"))
        if record.status == QUARANTINED or path is None:
            return record, None
        read = self._read(path)
        if isinstance(read, UnreadableFile):
            record.flag(
                QUARANTINED,
                self._describe(read.problem, read.location),
                self._where(read.problem, read.location),
            )
            return record, None
        fmt, result = read
        record.format, record.encoding = fmt.name, result.encoding or ""
        segments, problems = self._select(fmt, result, entry)
        if not segments:
            record.flag(
                QUARANTINED,
                self.messages.text(
                    "reason.conversation_not_in_file", conversation_id=entry.conversation_id
                ),
            )
            return record, None
        roles = self._roles(segments, entry, record)
        self._scan(segments, entry.language, fmt.location, record)
        for problem in problems:
            record.flag(
                WARNING, self._describe(problem, fmt.location), self._where(problem, fmt.location)
            )
        if record.status == QUARANTINED:
            return record, None
        turns = build_turns(
            list(zip(segments, roles, strict=True)),
            entry.language,
            self.config.lexicon(entry.language),
            int(self.config.get("speaker_share.backchannel_max_words", 3)),
        )
        record.turns = len(turns)
        return record, Conversation(entry, pa.Table.from_pandas(turns, preserve_index=False))

    def _select(
        self, fmt: Format, result: ReadResult, entry: ManifestEntry
    ) -> tuple[list[Segment], list[Problem]]:
        """The segments and problems of this entry's conversation (tables hold many)."""
        if fmt.name not in TABLE_FORMATS:
            return result.segments, result.problems
        segments = [s for s in result.segments if s.conversation_id == entry.conversation_id]
        first_entry = min(e.line for e in self._entries_by_file[entry.file])
        problems = [
            p
            for p in result.problems
            if p.params.get("conversation_id") == entry.conversation_id
            or (not p.params.get("conversation_id") and entry.line == first_entry)
        ]
        return segments, problems

    def _roles(
        self, segments: list[Segment], entry: ManifestEntry, record: IntakeRecord
    ) -> list[str]:
        roles = [segment.role or entry.role_of(segment.speaker) or "" for segment in segments]
        unmapped = sorted({s.speaker for s, role in zip(segments, roles, strict=True) if not role})
        if unmapped:
            labels = ", ".join(f"'{label}'" for label in unmapped)
            record.flag(
                QUARANTINED,
                self.messages.text("reason.unmapped_speakers", labels=labels, example=unmapped[0]),
            )
            return roles
        for role in ("caseworker", "citizen"):
            if role not in roles:
                record.flag(
                    QUARANTINED,
                    self.messages.text(
                        "reason.missing_role", role=self.messages.text(f"roles.{role}")
                    ),
                )
        return roles

    def _scan(
        self, segments: list[Segment], lang: str, location: str, record: IntakeRecord
    ) -> None:
        scanner = PersonalDataScanner.for_language(self.config.config_dir, lang)
        quarantine_on = tuple(self.config.get("intake.quarantine_on", ()) or ())
        warn_on = tuple(self.config.get("intake.warn_on", ()) or ())
        hits: dict[str, list[int]] = defaultdict(list)
        for segment in segments:
            kinds = {f.kind for f in scanner.scan(segment.text, quarantine_on + warn_on)}
            kinds |= {f.kind for f in scanner.scan(segment.speaker, warn_on)}
            for kind in kinds:
                hits[kind].append(segment.line)
        severe = [kind for kind in quarantine_on if kind in hits]
        mild = [kind for kind in warn_on if kind in hits]
        if severe:
            record.flag(
                QUARANTINED,
                self.messages.text(
                    "reason.personal_data", findings=self._findings(severe, hits, location)
                ),
            )
        if mild:
            record.flag(
                WARNING,
                self.messages.text("reason.names", findings=self._findings(mild, hits, location)),
            )

    # --- files and conversations nobody listed ------------------------------------------
    def _unlisted(self, path: Path) -> IntakeRecord:
        record = IntakeRecord(self._relative(path))
        record.flag(QUARANTINED, self.messages.text("reason.file_not_listed"))
        return record

    def _unlisted_conversations(self, entries: list[ManifestEntry]) -> list[IntakeRecord]:
        """Conversations in a turn table that no manifest row names.

        Only tables already read for a consented conversation are looked at: a file is never
        opened for a conversation without consent.
        """
        listed: dict[Path, set[str]] = defaultdict(set)
        for entry in entries:
            if (path := self._resolve(entry.file)) is not None:
                listed[path].add(entry.conversation_id)
        records = []
        for path, ids in listed.items():
            read = self._reads.get(str(path))
            if not isinstance(read, tuple) or read[0].name not in TABLE_FORMATS:
                continue
            found = dict.fromkeys(s.conversation_id for s in read[1].segments)
            for conversation_id in found:
                if conversation_id not in ids:
                    record = IntakeRecord(self._relative(path), conversation_id or "")
                    record.flag(
                        QUARANTINED,
                        self.messages.text(
                            "reason.conversation_not_listed", conversation_id=conversation_id
                        ),
                    )
                    records.append(record)
        return records

    def _without_manifest(self, files: list[Path], reason: str) -> IntakeResult:
        records = []
        for path in files or [self.folder]:
            record = IntakeRecord(self._relative(path))
            record.flag(QUARANTINED, reason)
            records.append(record)
        return IntakeResult(records, [])

    # --- helpers --------------------------------------------------------------------------
    def _transcript_files(self) -> list[Path]:
        return transcript_files(self.folder, self.config)

    def _resolve(self, file: str) -> Path | None:
        """The file inside the folder, or None for a path that points outside it."""
        if file not in self._resolved:
            path = (self.folder / file).resolve()
            self._resolved[file] = path if path.is_relative_to(self._root) else None
        return self._resolved[file]

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self._root).as_posix()
        except ValueError:
            return path.name

    def _read(self, path: Path) -> tuple[Format, ReadResult] | UnreadableFile:
        key = str(path)
        if key not in self._reads:
            try:
                self._reads[key] = read_file(path)
            except UnreadableFile as error:
                self._reads[key] = error
        return self._reads[key]

    def _where(self, problem: Problem, location: str) -> str:
        return self.messages.where(location, problem.line)

    def _describe(self, problem: Problem, location: str) -> str:
        params = dict(problem.params)
        if problem.key == "manifest_value":
            params["expected"] = self.messages.text(f"expected.{params['expected']}")
        if "where" in self.messages.text(f"reason.{problem.key}"):
            params["where"] = self._where(problem, location)
            return self.messages.text(f"reason.{problem.key}", **params)
        text = self.messages.text(f"reason.{problem.key}", **params)
        where = self._where(problem, location)
        return f"{where[:1].upper()}{where[1:]}: {text}" if where else text

    def _findings(self, kinds: list[str], hits: dict[str, list[int]], location: str) -> str:
        parts = []
        for kind in kinds:
            lines = sorted(set(hits[kind]))
            shown = ", ".join(str(n) for n in lines[:_MAX_LOCATIONS])
            more = " …" if len(lines) > _MAX_LOCATIONS else ""
            where = self.messages.text(f"where.{location}", n=shown + more)
            parts.append(f"{self.messages.text(f'personal_data.{kind}')} ({where})")
        return "; ".join(parts)


def transcript_files(folder: Path, config: Config) -> list[Path]:
    """Every file in the folder and its sub-folders but the manifest and the ignored ones."""
    ignore = list(config.get("intake.ignore", []) or [])
    manifest = str(config.get("intake.manifest", "manifest.csv"))
    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if not path.is_file() or path.name == manifest:
            continue
        if any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in ignore):
            continue
        files.append(path.resolve())
    return files


def run_intake(
    folder: Path, config: Config, messages: Messages, progress: bool = True,
    cache: Path | None = None,
) -> IntakeResult:  # fmt: skip
    """Run the gate over `folder`; with a `cache` folder, unchanged rows come from there."""
    entries = IntakeCache(cache, config, messages.lang) if cache is not None else None
    return IntakeGate(folder, config, messages, entries).run(progress=progress)
