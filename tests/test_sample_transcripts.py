"""The bundled sample transcripts are what the brief promises, and all pass the intake gate."""

from __future__ import annotations

import pandas as pd

from pipeline import stages
from pipeline.speaker_share import speaker_share
from tests.helpers import ROOT

SAMPLE = ROOT / "transcripts_sample"


def test_sample_corpus_shape():
    manifest = pd.read_csv(SAMPLE / "manifest.csv")
    assert len(manifest) >= 12
    per_caseworker = manifest.groupby("caseworker_id").size()
    assert 3 <= len(per_caseworker) <= 4 and per_caseworker.between(3, 4).all()
    quarters = pd.to_datetime(manifest["date"]).dt.quarter
    assert quarters.nunique() >= 2
    assert (manifest.groupby("caseworker_id")["date"].nunique() >= 3).all()
    extensions = {p.suffix for p in SAMPLE.iterdir() if p.name != "manifest.csv"} - {".md"}
    assert len(extensions) >= 4


def test_sample_passes_intake_with_realistic_lengths(tmp_path, config, messages):
    result = stages.intake(SAMPLE, tmp_path, config, messages, progress=False)
    assert result.counts() == {"analysed": 14, "warning": 0, "quarantined": 0}
    formats = {record.format for record in result.records}
    assert {"webvtt", "srt", "text", "json", "docx", "csv"} <= formats
    conversations = pd.DataFrame(
        {"caseworker_id": c.entry.caseworker_id, **speaker_share(c.turns)}
        for c in result.conversations
    )
    assert conversations["turns"].between(40, 150).all()
    by_caseworker = conversations.groupby("caseworker_id")["citizen_share"].median()
    # The styles were written to differ: the inviting caseworker's citizens say the most.
    assert by_caseworker.idxmax() == "cw-01" and by_caseworker.idxmin() == "cw-02"
