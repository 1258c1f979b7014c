"""The intake gate: nothing bad is analysed, nothing valid is lost, every input is accounted for."""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest

from pipeline import stages
from pipeline.cli import main
from pipeline.io.intake import run_intake
from pipeline.messages import Messages
from tests.helpers import SIMPLE_TEXT, manifest_row, write_folder

BROKEN_VTT = (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Rådgiver>Hvad tænker du om det?</v>\n\n"
    "2\n00:00:0x.000 --> 00:00:05.000\n<v Borger>ødelagt</v>\n\n"
    "3\n00:00:05.000 --> 00:00:09.000\n<v Borger>Jeg vil gerne prøve.</v>\n"
)


def _docx() -> bytes:
    document = docx.Document()
    for header, text in [("Rådgiver   0:01", "Hej."), ("Borger   0:04", "Hej, tak.")]:
        document.add_paragraph(header)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def messy_folder(tmp_path):
    table = pd.DataFrame(
        {
            "conversation_id": ["t1", "t1", "t2", "t2"],
            "speaker": ["Rådgiver", "Borger", "Rådgiver", "Borger"],
            "text": ["Hvordan går det?", "Fint.", "Hej.", "Hej."],
        }
    ).to_csv(index=False)
    files = {
        "good.txt": SIMPLE_TEXT,
        "broken.vtt": BROKEN_VTT,
        "windows.txt": SIMPLE_TEXT.replace("\n", "\r\n").encode("cp1252"),
        "teams.docx": _docx(),
        "unlisted.txt": SIMPLE_TEXT,
        "no_consent.txt": SIMPLE_TEXT,
        "pii.txt": SIMPLE_TEXT + "Borger: Mit cpr er 010190-1234 og mit nummer 23 45 67 89.\n",
        "interpreter.txt": SIMPLE_TEXT + "Tolk: Hun siger, at hun er træt.\n",
        "names.txt": SIMPLE_TEXT + "Borger: Mette sagde det samme.\n",
        "empty.txt": b"",
        "picture.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40,
        "table.csv": table,
        "bad_date.txt": SIMPLE_TEXT,
        "sub/nested.srt": "1\n00:00:01,000 --> 00:00:02,000\nRådgiver: Hej.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nBorger: Hej.\n",
        "README.md": "not a transcript",
    }
    rows = [
        manifest_row("good.txt"),
        manifest_row("broken.vtt"),
        manifest_row("windows.txt"),
        manifest_row("teams.docx"),
        manifest_row("missing.vtt"),
        manifest_row("no_consent.txt", consent="no"),
        manifest_row("pii.txt"),
        manifest_row("interpreter.txt"),
        manifest_row("names.txt"),
        manifest_row("empty.txt"),
        manifest_row("picture.txt"),
        manifest_row("table.csv", "t1"),
        manifest_row("bad_date.txt", date="2. marts"),
        manifest_row("good.txt", "good"),  # the same conversation listed twice
        manifest_row("sub/nested.srt", anonymised="no"),
        manifest_row("../outside.txt"),
    ]
    return write_folder(tmp_path / "transcripts", files, rows)


@pytest.fixture
def intake(messy_folder, config, messages):
    result = run_intake(messy_folder, config, messages, progress=False)
    return {(r.file, r.conversation_id): r for r in result.records}, result


def test_every_manifest_row_and_every_file_ends_in_intake(intake, messy_folder):
    records, result = intake
    assert len([r for r in result.records if r.manifest_line]) == 16
    files = {
        p.relative_to(messy_folder).as_posix()
        for p in messy_folder.rglob("*")
        if p.is_file() and p.name not in ("manifest.csv", "README.md")
    }
    assert files <= {file for file, _ in records}


def test_statuses(intake):
    records, _ = intake
    status = {key: record.status for key, record in records.items()}
    expected = {
        ("broken.vtt", "broken"): "warning",
        ("windows.txt", "windows"): "analysed",
        ("teams.docx", "teams"): "analysed",
        ("missing.vtt", "missing"): "quarantined",
        ("no_consent.txt", "no_consent"): "quarantined",
        ("pii.txt", "pii"): "quarantined",
        ("interpreter.txt", "interpreter"): "quarantined",
        ("names.txt", "names"): "warning",
        ("empty.txt", "empty"): "quarantined",
        ("picture.txt", "picture"): "quarantined",
        ("table.csv", "t1"): "analysed",
        ("table.csv", "t2"): "quarantined",
        ("unlisted.txt", ""): "quarantined",
        ("bad_date.txt", "bad_date"): "quarantined",
        ("sub/nested.srt", "nested"): "quarantined",
        ("../outside.txt", "outside"): "quarantined",
    }
    assert {key: status[key] for key in expected} == expected


def test_duplicate_conversation_id_keeps_the_first(messy_folder, config, messages):
    result = run_intake(messy_folder, config, messages, progress=False)
    good = [r for r in result.records if r.file == "good.txt"]
    assert [(r.conversation_id, r.status) for r in good] == [
        ("good", "analysed"),
        ("good", "quarantined"),
    ]
    assert "står der allerede" in good[1].reasons[0]


def test_reasons_say_what_and_where_without_repeating_personal_data(intake):
    records, _ = intake
    broken = " ".join(records[("broken.vtt", "broken")].reasons)
    assert "Linje 8" in broken and "tidsangivelsen" in broken
    pii = " ".join(records[("pii.txt", "pii")].reasons)
    assert "CPR-nummer (linje 5)" in pii and "telefonnummer (linje 5)" in pii
    assert "010190" not in pii and "23 45" not in pii
    assert "'Tolk'" in " ".join(records[("interpreter.txt", "interpreter")].reasons)
    assert "samtykke er 'no'" in records[("no_consent.txt", "no_consent")].reasons[0]
    assert "anonymiseret er 'no'" in records[("sub/nested.srt", "nested")].reasons[0]
    assert "fornavn (linje 5)" in records[("names.txt", "names")].reasons[0]
    assert "tom" in records[("empty.txt", "empty")].reasons[0]
    assert "binær" in records[("picture.txt", "picture")].reasons[0]
    assert "'date'" in records[("bad_date.txt", "bad_date")].reasons[0]
    assert "står ikke i manifest.csv" in records[("unlisted.txt", "")].reasons[0]
    assert "'t2'" in records[("table.csv", "t2")].reasons[0]


def test_consent_no_is_never_read(messy_folder, config, messages, monkeypatch):
    opened = []
    import pipeline.io.intake as intake_module

    real = intake_module.read_file
    monkeypatch.setattr(intake_module, "read_file", lambda p: opened.append(p.name) or real(p))
    run_intake(messy_folder, config, messages, progress=False)
    assert "no_consent.txt" not in opened and "nested.srt" not in opened


def test_analysed_conversations_have_turns_with_roles(intake):
    _, result = intake
    by_id = {c.entry.conversation_id: c.turns for c in result.conversations}
    assert sorted(by_id) == ["broken", "good", "names", "t1", "teams", "windows"]
    assert by_id["broken"]["role"].tolist() == ["caseworker", "citizen"]
    assert by_id["windows"]["text"].tolist() == by_id["good"]["text"].tolist()


def test_english_reasons(messy_folder, config):
    result = run_intake(messy_folder, config, Messages("en"), progress=False)
    reasons = " ".join(r for record in result.records for r in record.reasons)
    assert "consent is 'no'" in reasons and "Possible personal data" in reasons


def test_missing_manifest_quarantines_every_file(tmp_path, config, messages):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text(SIMPLE_TEXT, encoding="utf-8")
    result = run_intake(folder, config, messages, progress=False)
    assert [(r.file, r.status) for r in result.records] == [("a.txt", "quarantined")]
    assert "manifest.csv" in result.records[0].reasons[0]


def test_stage_writes_intake_and_turns(messy_folder, tmp_path, config, messages):
    out = tmp_path / "out"
    stages.intake(messy_folder, out, config, messages, progress=False)
    intake = pd.read_csv(out / "intake.csv")
    assert set(intake["status"]) == {"analysed", "warning", "quarantined"}
    turns = pd.read_parquet(out / "intake" / "turns.parquet")
    assert set(turns["conversation_id"]) == {"broken", "good", "names", "t1", "teams", "windows"}


def test_cli_exit_codes(messy_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["intake", "--transcripts", str(messy_folder), "--out", str(out)]) == 0
    assert "i karantæne" in capsys.readouterr().err
    strict = ["intake", "--transcripts", str(messy_folder), "--out", str(out), "--strict"]
    assert main(strict) == 1
    empty = write_folder(tmp_path / "empty", {"a.txt": b""}, [manifest_row("a.txt")])
    assert main(["run", "--transcripts", str(empty), "--out", str(out)]) == 1
    assert main(["run", "--transcripts", str(tmp_path / "nope"), "--out", str(out)]) == 2


def test_run_reads_tags_and_writes_every_table(messy_folder, tmp_path, capsys):
    import shutil

    import yaml

    from tests.helpers import ROOT

    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    params = yaml.safe_load((configs / "params.yaml").read_text(encoding="utf-8"))
    params["tagger"]["backend"] = "rules"
    (configs / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", "--transcripts", str(messy_folder), "--out", str(out),
            "--params", str(configs / "params.yaml")]  # fmt: skip
    assert main(argv) == 0
    said = capsys.readouterr().err
    assert "Samtaler tagget nu: 6; uændrede, hentet fra cachen: 0." in said
    assert "1 ark; nye eller ændrede i denne kørsel: 1;" in said
    turns = pd.read_parquet(out / "turns.parquet")
    assert {"question", "agency", "framing", "act"} <= set(turns.columns)
    assert set(turns["conversation_id"]) == {"broken", "good", "names", "t1", "teams", "windows"}
    assert (out / "units.csv").is_file()
    conversations = pd.read_csv(out / "conversations.csv")
    assert len(conversations) == 6 and conversations["citizen_share"].between(0, 1).all()
    assert pd.read_csv(out / "caseworkers.csv")["caseworker_id"].tolist() == ["cw-01"]
    assert (out / "metrics" / "corpus.json").is_file()
    assert {p.name for p in (out / "sheets").iterdir()} == {"cw-01.html", "index.html"}
    assert main(argv) == 0  # again: nothing is tagged or drawn anew
    said = capsys.readouterr().err
    assert "Samtaler tagget nu: 0; uændrede, hentet fra cachen: 6." in said
    assert "1 ark; nye eller ændrede i denne kørsel: 0;" in said
