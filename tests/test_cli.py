"""The command line: Danish help by default, English by setting."""

from __future__ import annotations

import pytest

from pipeline.cli import main


def help_text(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_help_is_danish_by_default(capsys, monkeypatch):
    monkeypatch.delenv("SAMTALESPEJL_UI_LANG", raising=False)
    text = help_text(capsys)
    assert text.startswith("brug: samtalespejl")
    assert "ikke en evaluering" in text and "vis denne hjælp" in text
    assert "mappe med udskrifter" in help_text(capsys, "run")


def test_help_in_english_by_flag_or_environment(capsys, monkeypatch):
    assert "It is not an evaluation" in help_text(capsys, "--ui-lang", "en")
    monkeypatch.setenv("SAMTALESPEJL_UI_LANG", "en")
    assert "folder with transcripts" in help_text(capsys, "intake")
