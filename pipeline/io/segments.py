"""The common shape every reader returns: speaker segments with their source line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """One stretch of speech by one speaker, as the transcript file gives it.

    `line` is where the segment starts in the source (text line, paragraph, table row or JSON
    segment number, counted from 1), so every message about it can point there.
    """

    speaker: str
    text: str
    line: int
    start: float | None = None
    end: float | None = None
    conversation_id: str | None = None  # only turn tables carry several conversations
    role: str | None = None  # only turn tables may give the role directly


@dataclass(frozen=True)
class Problem:
    """Something wrong at one place in a file. `key` names a message in pipeline/locale."""

    key: str
    line: int | None = None
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class ReadResult:
    """What a reader got out of a file: the segments it could read and what it could not."""

    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None


class UnreadableFile(Exception):
    """The whole file cannot be read; `problem` says where and why."""

    def __init__(self, key: str, line: int | None = None, **params: object) -> None:
        super().__init__(key)
        self.problem = Problem(key, line, dict(params))
        self.location = "line"  # what `line` counts; set by read_file from the format
