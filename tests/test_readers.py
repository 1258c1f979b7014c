"""Every reader on realistic files, including the mess real exports contain."""

from __future__ import annotations

import io
import json

import docx
import pandas as pd
import pytest

from pipeline.io.readers import (
    detect_format,
    docx_reader,
    srt_reader,
    table_reader,
    text_reader,
    webvtt_reader,
    whisper_json,
)
from pipeline.io.segments import UnreadableFile

TEAMS_VTT = """WEBVTT

NOTE Transskription startet af mødearrangøren

9f1c2d3e-4b5a-6c7d-8e9f-0a1b2c3d4e5f/18-0
00:00:03.120 --> 00:00:07.480
<v Rådgiver>Hej og velkommen. Sæt dig bare,
så kigger vi på din plan.</v>

9f1c2d3e-4b5a-6c7d-8e9f-0a1b2c3d4e5f/19-0
00:00:07.900 --> 00:00:09.000
<v Borger>Tak.</v>

9f1c2d3e-4b5a-6c7d-8e9f-0a1b2c3d4e5f/20-0
00:00:09.100 --> 00:00:12.000
<v Borger>Jeg har selv ringet til dem.</v>
"""


def test_teams_vtt_reads_voice_multiline_cues_and_skips_notes():
    result = webvtt_reader.read(TEAMS_VTT.encode())
    assert [(s.speaker, s.line) for s in result.segments] == [
        ("Rådgiver", 7),
        ("Borger", 12),
        ("Borger", 16),
    ]
    first = result.segments[0]
    assert first.text == "Hej og velkommen. Sæt dig bare, så kigger vi på din plan."
    assert (first.start, first.end) == (3.12, 7.48)
    assert result.problems == []


def test_zoom_vtt_with_speaker_inside_the_cue():
    text = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nRådgiver 1: Hvordan går det?\n\n"
        "2\n00:00:03.000 --> 00:00:04.000\nBorger: Det går.\n\n"
        "3\n00:00:04.000 --> 00:00:05.000\nog så videre\n\n"
        "4\n00:00:05.000 --> 00:00:06.000\nRådgiver 1: Fortæl.\n"
    )
    result = webvtt_reader.read(text.encode())
    assert [(s.speaker, s.text) for s in result.segments] == [
        ("Rådgiver 1", "Hvordan går det?"),
        ("Borger", "Det går."),
        ("Borger", "og så videre"),
        ("Rådgiver 1", "Fortæl."),
    ]


def test_broken_cue_in_the_middle_is_reported_and_the_rest_is_read():
    broken = TEAMS_VTT.replace("00:00:07.900 --> 00:00:09.000", "00:00:0x.900 --> 00:00:09.000")
    result = webvtt_reader.read(broken.encode())
    assert [s.text for s in result.segments] == [
        "Hej og velkommen. Sæt dig bare, så kigger vi på din plan.",
        "Jeg har selv ringet til dem.",
    ]
    assert [(p.key, p.line) for p in result.problems] == [("bad_timestamp", 11)]


def test_vtt_without_header_is_unreadable():
    with pytest.raises(UnreadableFile) as error:
        webvtt_reader.read(b"00:00:01.000 --> 00:00:02.000\nhej\n")
    assert error.value.problem.key == "not_webvtt"


def test_srt_label_on_first_cue_continues_to_the_next():
    text = (
        "1\n00:00:01,000 --> 00:00:03,200\nRådgiver: Hej, kom bare ind.\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\nBorger: Tak.\nDet var godt.\n\n"
        "3\n00:00:05,100 --> 00:00:06,000\nog så kom jeg\n"
    )
    result = srt_reader.read(text.encode())
    assert [(s.speaker, s.text, s.start, s.end) for s in result.segments] == [
        ("Rådgiver", "Hej, kom bare ind.", 1.0, 3.2),
        ("Borger", "Tak. Det var godt.", 3.5, 5.0),
        ("Borger", "og så kom jeg", 5.1, 6.0),
    ]


def test_srt_broken_block_reported_with_line():
    text = (
        "1\n00:00:01,000 --> 00:00:03,200\nRådgiver: Hej.\n\n"
        "2\n00:00:0x,500 --> 00:00:05,000\nBorger: Tak.\n\n"
        "3\n00:00:05,100 --> 00:00:06,000\nBorger: Ja.\n"
    )
    result = srt_reader.read(text.encode())
    assert [s.text for s in result.segments] == ["Hej.", "Ja."]
    assert [(p.key, p.line) for p in result.problems] == [("bad_timestamp", 5)]


@pytest.mark.parametrize(
    "prefix, expected_start",
    [("[00:01:05] ", 65.0), ("00:01:05 ", 65.0), ("(01:05) ", 65.0), ("", None)],
)
def test_plain_text_with_and_without_time_prefixes(prefix, expected_start):
    text = f"{prefix}Rådgiver: Hvad tænker du?\n{prefix}Borger: Det ved jeg ikke.\n"
    result = text_reader.read(text.encode())
    assert [(s.speaker, s.start) for s in result.segments] == [
        ("Rådgiver", expected_start),
        ("Borger", expected_start),
    ]


def test_plain_text_windows_1252_with_crlf():
    text = "Rådgiver: Hvordan går det med ryggen?\r\nBorger: Øh, sådan lidt op og ned.\r\n"
    result = text_reader.read(text.encode("cp1252"))
    assert result.encoding == "cp1252"
    assert [s.text for s in result.segments] == [
        "Hvordan går det med ryggen?",
        "Øh, sådan lidt op og ned.",
    ]


def test_plain_text_utf8_bom_and_continuation_lines():
    text = "\ufeffRådgiver: Hej.\nDet er sådan: vi starter med planen.\nBorger: Okay.\n"
    result = text_reader.read(text.encode("utf-8"))
    assert result.encoding == "utf-8-sig"
    assert [(s.speaker, s.text) for s in result.segments] == [
        ("Rådgiver", "Hej. Det er sådan: vi starter med planen."),
        ("Borger", "Okay."),
    ]


def test_plain_text_reports_text_before_the_first_speaker():
    result = text_reader.read(b"Samtale om praktik\nR\xc3\xa5dgiver: Hej.\nBorger: Hej.\n")
    assert [(p.key, p.line) for p in result.problems] == [("text_before_speaker", 1)]
    assert len(result.segments) == 2


def test_whisper_json_with_speaker_labels():
    data = {
        "segments": [
            {"start": 0.0, "end": 2.5, "speaker": "SPEAKER_00", "text": " Hej, velkommen."},
            {"start": 2.6, "end": 3.0, "speaker": "SPEAKER_01", "text": " Tak."},
            {"start": 3.1, "end": 4.0, "text": " Og så videre."},
            {"start": 5.0, "end": 4.0, "speaker": "SPEAKER_00", "text": "baglæns tid"},
        ]
    }
    result = whisper_json.read(json.dumps(data).encode())
    assert [(s.speaker, s.text, s.line) for s in result.segments] == [
        ("SPEAKER_00", "Hej, velkommen.", 1),
        ("SPEAKER_01", "Tak.", 2),
        ("SPEAKER_01", "Og så videre.", 3),
    ]
    assert [(p.key, p.line) for p in result.problems] == [("bad_segment", 4)]


def test_whisper_json_syntax_error_names_the_line():
    with pytest.raises(UnreadableFile) as error:
        whisper_json.read(b'{"segments": [\n  {"start": 0,\n  oops}\n]}')
    assert error.value.problem.key == "bad_json"
    assert error.value.problem.line == 3


def _teams_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Samtale om praktik")
    document.add_paragraph("2. marts 2026, 09:00")
    for header, text in [
        ("Rådgiver   0:03", "Hej og velkommen."),
        ("Borger   0:07", "Tak. Jeg har tænkt over det."),
        ("Rådgiver   1:02:10", "Hvad har du tænkt?"),
    ]:
        document.add_paragraph(header)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_teams_docx_speaker_and_time_then_text():
    result = docx_reader.read(_teams_docx())
    assert [(s.speaker, s.text, s.start, s.end, s.line) for s in result.segments] == [
        ("Rådgiver", "Hej og velkommen.", 3.0, 7.0, 3),
        ("Borger", "Tak. Jeg har tænkt over det.", 7.0, 3730.0, 5),
        ("Rådgiver", "Hvad har du tænkt?", 3730.0, None, 7),
    ]
    assert result.problems == []


def test_docx_that_is_not_a_zip_is_unreadable():
    with pytest.raises(UnreadableFile) as error:
        docx_reader.read(b"this is not a word file")
    assert error.value.problem.key == "bad_docx"


TABLE = [
    {"conversation_id": "a", "speaker": "Rådgiver", "start": 0, "end": 2, "text": "Hej."},
    {"conversation_id": "a", "speaker": "Borger", "start": 2, "end": 3, "text": "Hej hej."},
    {"conversation_id": "b", "speaker": "Rådgiver", "start": 0, "end": 1, "text": "Goddag."},
]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_turn_tables_with_any_delimiter(sep):
    data = pd.DataFrame(TABLE).to_csv(index=False, sep=sep).encode()
    reader = table_reader.read_tsv if sep == "\t" else table_reader.read_csv
    result = reader(data)
    assert [(s.conversation_id, s.speaker, s.text, s.line) for s in result.segments] == [
        ("a", "Rådgiver", "Hej.", 2),
        ("a", "Borger", "Hej hej.", 3),
        ("b", "Rådgiver", "Goddag.", 4),
    ]


def test_parquet_turn_table_with_roles():
    frame = pd.DataFrame(TABLE).assign(role=["caseworker", "citizen", "caseworker"])
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    result = table_reader.read_parquet(buffer.getvalue())
    assert [(s.role, s.line) for s in result.segments] == [
        ("caseworker", 1),
        ("citizen", 2),
        ("caseworker", 3),
    ]


def test_table_without_text_column_is_unreadable():
    with pytest.raises(UnreadableFile) as error:
        table_reader.read_csv(b"conversation_id,speaker\na,Borger\n")
    assert error.value.problem.key == "bad_table"
    assert error.value.problem.params["columns"] == "text"


def test_table_rows_without_text_are_reported_and_the_rest_kept():
    result = table_reader.read_csv(
        b"conversation_id,speaker,text\na,Borger,Hej\na,Borger,\na,Ukendt,Farvel\n"
    )
    assert [s.text for s in result.segments] == ["Hej", "Farvel"]
    assert [(p.key, p.line) for p in result.problems] == [("bad_row", 3)]


@pytest.mark.parametrize(
    "reader", [webvtt_reader.read, srt_reader.read, text_reader.read, whisper_json.read,
               table_reader.read_csv],
)  # fmt: skip
@pytest.mark.parametrize("content, key", [(b"", "empty_file"), (b"  \n\r\n", "empty_file"),
                                          (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20,
                                           "binary_file")])  # fmt: skip
def test_empty_and_binary_files_are_unreadable(reader, content, key):
    with pytest.raises(UnreadableFile) as error:
        reader(content)
    assert error.value.problem.key == key


def test_format_detected_by_content_before_extension(tmp_path):
    path = tmp_path / "teams.txt"
    assert detect_format(path, TEAMS_VTT.encode()[:512]).name == "webvtt"
    assert detect_format(tmp_path / "x.srt", b"1\n00:00:01,000 --> 00:00:02,000\n").name == "srt"
    assert detect_format(tmp_path / "x.pdf", b"%PDF-1.7") is None
