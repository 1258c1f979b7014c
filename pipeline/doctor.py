"""`samtalespejl doctor`: checks that real transcripts are handled the safe way.

Transcripts and the outputs that carry their text (turn and unit tables, sheets) must never be
in git; a real transcripts folder belongs under DVC with a remote on the municipality's own
storage; transcripts older than the retention period should be deleted. Each finding names the
files it is about; none of them changes anything.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.config import Config
from pipeline.io.manifest import read_manifest
from pipeline.io.segments import UnreadableFile

SAMPLE_FOLDER = "transcripts_sample"
_REMOTE = re.compile(r"""^\s*\[\s*'remote\s+"([^"]+)"'\s*\]""", re.MULTILINE)
# Outputs that carry transcript text; figures-only outputs (conversations, caseworkers,
# metrics, history) may be in git.
TEXT_OUTPUTS = ("turns.parquet", "turns.csv", "units.parquet", "units.csv", "intake",
                "sheets")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    key: str  # a message in pipeline/locale under doctor.*
    paths: list[str] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)


def check(root: Path, transcripts: Path, out: Path, config: Config,
          today: date | None = None) -> list[Finding]:  # fmt: skip
    """Every finding for a project in `root` with these transcripts and outputs folders."""
    findings: list[Finding] = []
    git = _git_files(root)
    real = transcripts.resolve().name != SAMPLE_FOLDER
    if git is None:
        findings.append(Finding("no_git"))
    else:
        tracked = [name for name in git if _inside(root / name, transcripts)]
        if real and tracked:
            findings.append(Finding("transcripts_in_git", tracked))
        text = [name for name in git if _inside(root / name, out)
                and (root / name).relative_to(out.resolve()).parts[0] in TEXT_OUTPUTS]  # fmt: skip
        if text:
            findings.append(Finding("outputs_in_git", text))
        if _inside(out, root) and not _ignored(root, out / "turns.parquet"):
            findings.append(Finding("outputs_not_ignored", [str(out)]))
    if real:
        if not transcripts.with_name(transcripts.name + ".dvc").is_file():
            findings.append(Finding("not_in_dvc", [str(transcripts)]))
        if not _dvc_remotes(root):
            findings.append(Finding("no_remote"))
    findings += _expired(transcripts, config, today or date.today())
    return findings


def _expired(transcripts: Path, config: Config, today: date) -> list[Finding]:
    months = config.get("retention_months")
    manifest = transcripts / str(config.get("intake.manifest", "manifest.csv"))
    if not months or not manifest.is_file():
        return []
    try:
        entries = read_manifest(manifest)
    except UnreadableFile:
        return []
    cutoff = _months_before(today, int(months))
    old = [f"{e.file} ({e.conversation_id}, {e.date})" for e in entries
           if e.date and e.date < cutoff.isoformat()]  # fmt: skip
    return (
        [Finding("expired", old, {"months": months, "cutoff": cutoff.isoformat()})] if old else []
    )


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _git_files(root: Path) -> list[str] | None:
    """Files git tracks in `root`, or None where `root` is not a git work tree."""
    try:
        done = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True)
    except FileNotFoundError:  # no git on this machine
        return None
    if done.returncode != 0:
        return None
    return [name for name in done.stdout.decode("utf-8", "replace").split("\0") if name]


def _ignored(root: Path, path: Path) -> bool:
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", str(path)], cwd=root,
                          capture_output=True)  # fmt: skip
    return done.returncode == 0


def _dvc_remotes(root: Path) -> list[str]:
    """Remote names in .dvc/config and .dvc/config.local."""
    texts = [c.read_text() for c in (root / ".dvc" / "config", root / ".dvc" / "config.local")
             if c.is_file()]  # fmt: skip
    return [name for text in texts for name in _REMOTE.findall(text)]
