"""Feedback sheets: built from the caseworker's own rows only, escaped, readable in Chromium on
at most two A4 pages, with the figures, excerpts and questions the sheet promises."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline.io.personal_data import PersonalDataScanner
from pipeline.sheets.build import choose_questions, format_value, sheet_texts
from pipeline.sheets.excerpts import mark, pick_excerpts
from pipeline.sheets.names import sheet_names
from tests.browser import overflows, render
from tests.conftest import run_job
from tests.helpers import ROOT, manifest_row, write_folder

CASEWORKERS = ["cw-01", "cw-02", "cw-03", "cw-04"]


@pytest.fixture(scope="module")
def wide_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "wide.html"
    path.write_text('<html><body><div style="width:900px">x</div></body></html>')
    return path


def _sheet(out, caseworker):
    return (out / "sheets" / f"{caseworker}.html").read_text(encoding="utf-8")


def test_one_sheet_per_caseworker_and_an_index_without_figures(sample_outputs):
    files = sorted(p.name for p in (sample_outputs / "sheets").iterdir())
    assert files == [f"{c}.html" for c in CASEWORKERS] + ["index.html"]
    index = (sample_outputs / "sheets" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', index) == [f"{c}.html" for c in CASEWORKERS]
    assert "14 analyseret" in index and "0 sat i karantæne" in index
    body = index.split("<body>")[1]
    assert "%" not in body and "<svg" not in body  # nothing that compares caseworkers


@pytest.mark.parametrize("caseworker", CASEWORKERS)
def test_sheet_shows_its_own_figures(sample_outputs, caseworker):
    page = _sheet(sample_outputs, caseworker)
    conversations = pd.read_csv(sample_outputs / "conversations.csv")
    own = conversations[conversations["caseworker_id"] == caseworker]
    assert "Dette er ikke en evaluering" in page
    assert f"Rådgiver: {caseworker}" in page
    assert f"{len(own)} samtaler" in page
    share = f"{own['citizen_share'].median() * 100:.0f} %"
    assert f'<div class="value">{share}</div>' in page
    assert f"{own['date'].min()} til {own['date'].max()}" in page
    assert page.count("<svg") == 4  # share, acts, balance, trend (every caseworker has 2+ periods)
    assert "Tallene bygger på" in page  # fewer than five conversations: said plainly
    assert len(re.findall(r"<ol class=\"questions\">.*?</ol>", page, re.S)) == 1
    assert "makro-F1" in page  # measured accuracy from metrics/eval.json


@pytest.mark.parametrize("caseworker", CASEWORKERS)
def test_sheet_carries_no_other_caseworkers_data(sample_outputs, caseworker):
    page = _sheet(sample_outputs, caseworker)
    conversations = pd.read_csv(sample_outputs / "conversations.csv")
    units = pd.read_parquet(sample_outputs / "units.parquet")
    others = conversations[conversations["caseworker_id"] != caseworker]
    own_texts = set(units.loc[units["caseworker_id"] == caseworker, "text"])
    other_texts = {t for t in units.loc[units["caseworker_id"] != caseworker, "text"]
                   if len(t.split()) >= 5 and t not in own_texts}  # fmt: skip
    for other in set(others["caseworker_id"]):
        assert other not in page
    for day in others["date"]:
        assert day not in set(conversations.loc[conversations["caseworker_id"] == caseworker,
                                                "date"]) and day not in page  # fmt: skip
    assert not [t for t in other_texts if html.escape(t, quote=False) in page]
    marked = re.findall(r"<mark>(.*?)</mark>", page)
    assert marked, "the evidence words of the excerpts are marked"


def test_excerpts_come_from_different_conversations(sample_outputs, config):
    turns = pd.read_parquet(sample_outputs / "turns.parquet")
    units = pd.read_parquet(sample_outputs / "units.parquet")
    own = lambda t: t[t["caseworker_id"] == "cw-01"]  # noqa: E731
    scanner = PersonalDataScanner.for_language(config.config_dir, "da")
    picked = pick_excerpts(own(turns), own(units), scanner, per_kind=3)
    for kind, excerpts in picked.excerpts.items():
        assert excerpts, kind
        assert len({e.date for e in excerpts}) == len(excerpts), kind  # one per conversation
        assert all(e.context for e in excerpts)
        assert any(marked for e in excerpts for _, marked in e.parts), kind


def test_excerpt_with_personal_data_is_withheld(config):
    turns = pd.DataFrame([
        {"conversation_id": "c", "turn": 0, "role": "citizen", "text": "Det var svært."},
        {"conversation_id": "c", "turn": 1, "role": "caseworker",
         "text": "Hvad tænker du om at ringe til Jobhuset på 22 33 44 55 i morgen?"},
        {"conversation_id": "c", "turn": 2, "role": "caseworker",
         "text": "Hvad er vigtigt for dig lige nu i dit liv?"},
    ])  # fmt: skip
    units = turns.assign(date="2026-01-02", unit_index=0, act="open_question", act_p=0.9,
                         question_evidence="Hvad tænker du | Hvad er vigtigt", reflection=False,
                         reflection_p=0.9, reflection_evidence="", framing="neutral",
                         framing_p=0.9, framing_evidence="", agency=None, agency_p=None,
                         agency_evidence="")  # fmt: skip
    scanner = PersonalDataScanner.for_language(config.config_dir, "da")
    picked = pick_excerpts(turns, units[units["role"] == "caseworker"], scanner)
    shown = ["".join(text for text, _ in e.parts) for e in picked.excerpts["open_question"]]
    assert shown == ["Hvad er vigtigt for dig lige nu i dit liv?"]
    assert picked.withheld == 1


def test_excerpt_context_is_the_other_speakers_last_turn_in_the_same_conversation():
    from pipeline.sheets.excerpts import _previous_turns

    rows = [("a", 3, "caseworker", "A3"), ("b", 0, "citizen", "B0"), ("a", 0, "caseworker", "A0"),
            ("a", 2, "interpreter", "A2"), ("a", 1, "citizen", "A1"),
            ("b", 1, "caseworker", "B1")]  # fmt: skip
    turns = pd.DataFrame(rows, columns=["conversation_id", "turn", "role", "text"])
    previous = _previous_turns(turns)
    assert previous[("a", 1, "citizen")] == ("caseworker", "A0")
    assert previous[("a", 3, "caseworker")] == ("citizen", "A1")  # not the interpreter's turn
    assert previous[("a", 3, "citizen")] == ("caseworker", "A0")
    assert previous[("b", 1, "caseworker")] == ("citizen", "B0")
    assert ("a", 0, "caseworker") not in previous and ("b", 0, "citizen") not in previous
    assert len(previous) == 6  # a1 as the citizen, a2 and a3 as either role, b1 as the caseworker


def test_mark_splits_text_at_the_evidence():
    assert mark("Det lyder som om du er træt.", "det lyder som om") == [
        ("Det lyder som om", True), (" du er træt.", False)]  # fmt: skip
    assert mark("Så du vil, så du kan.", "så du") == [
        ("Så du", True), (" vil, ", False), ("så du", True), (" kan.", False)]  # fmt: skip
    assert mark("Ingen belæg.", "") == [("Ingen belæg.", False)]


def test_transcript_text_is_escaped_on_the_sheet(tmp_path, config, trained_taggers):
    text = (
        "Rådgiver: Hej og velkommen, sæt dig bare.\n"
        "Borger: Tak. Jeg har selv besluttet at søge <img src=x onerror=alert(1)> job.\n"
        "Rådgiver: Hvad tænker du selv om <script>alert('x')</script> det, du gerne vil?\n"
        "Borger: Jeg vil gerne arbejde med dyr, det har jeg altid drømt om.\n"
    )
    folder = write_folder(tmp_path / "in", {"a.txt": text},
                          [manifest_row("a.txt", caseworker_id="cw-<i>9</i>")])  # fmt: skip
    out = run_job(folder, tmp_path / "out", config, trained_taggers)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / "sheets").iterdir()}
    assert set(pages) == {"cw-_i_9__i.html", "index.html"}
    for page in pages.values():
        assert "<script" not in page.lower() and "<img" not in page.lower() and "<i>" not in page
    sheet = pages["cw-_i_9__i.html"]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in sheet
    assert "Rådgiver: cw-&lt;i&gt;9&lt;/i&gt;" in sheet


def test_sheet_names_are_safe_and_unique():
    names = sheet_names(["../../etc/passwd", "a/b", "a_b", "index", "æøå"])
    assert names == {"../../etc/passwd": "etc_passwd.html", "a/b": "a_b.html",
                     "a_b": "a_b-2.html", "index": "index-2.html", "æøå": "æøå.html"}  # fmt: skip


def test_reflection_questions_follow_the_figures(config):
    texts = sheet_texts(config, "da")
    few_open = {"open_share_units_median": 0.3, "reflection_question_ratio_median": 1.5,
                "citizen_share_median": 0.6, "becomer_units_median": 0.0,
                "caseworker_longest_monologue_words_median": 80.0}  # fmt: skip
    chosen = choose_questions(few_open, texts)
    assert chosen[0].startswith("Vælg et lukket spørgsmål")
    assert len(chosen) == 3  # one from the figures, then the two asked of everyone
    everything = {**few_open, "reflection_question_ratio_median": 0.5,
                  "citizen_share_median": 0.3, "becomer_units_median": 2.0}  # fmt: skip
    assert len(choose_questions(everything, texts)) == texts["max_questions"]
    many_open = {**few_open, "open_share_units_median": 0.7}
    assert not any(q.startswith("Vælg et lukket") for q in choose_questions(many_open, texts))


def test_numbers_are_written_for_the_reader(config):
    da, en = sheet_texts(config, "da"), sheet_texts(config, "en")
    assert format_value(0.634, "share", da) == "63 %"
    assert format_value(0.85, "ratio", da) == "0,8" or format_value(0.85, "ratio", da) == "0,9"
    assert format_value(1.25, "rate", en) == "1.2" or format_value(1.25, "rate", en) == "1.3"
    assert format_value(93.0, "words", da) == "93 ord"
    assert format_value(float("nan"), "share", da) == "–"


def test_english_sheet(tmp_path, config, sample_outputs):
    from pipeline.sheets.build import build_sheets

    out = tmp_path / "out"
    out.mkdir()
    for name in ("conversations.parquet", "turns.parquet", "units.parquet", "intake.csv"):
        (out / name).write_bytes((sample_outputs / name).read_bytes())
    history = sample_outputs / "history" / "conversations.csv"
    build_sheets(out, config, ROOT / "metrics" / "eval.json", history, "en")
    page = _sheet(out, "cw-01")
    assert "This is not an evaluation" in page and 'lang="en"' in page
    assert "Dette er ikke" not in page


@pytest.mark.parametrize("caseworker", CASEWORKERS)
def test_sheet_in_chromium_prints_on_two_a4_pages(sample_outputs, tmp_path, caseworker):
    rendered = render(sample_outputs / "sheets" / f"{caseworker}.html", tmp_path / "sheet.pdf")
    assert rendered.problems == []
    pages = PdfReader(rendered.pdf).pages
    assert 1 <= len(pages) <= 2
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "Dette er ikke en evaluering" in rendered.text
    assert "Borgerens andel af ordene" in rendered.text
    assert "Spørgsmål til sparringen" in rendered.text


def test_sheet_reads_on_a_phone(sample_outputs, wide_page):
    assert not overflows(sample_outputs / "sheets" / "cw-01.html", width=390)
    assert overflows(wide_page, width=390)  # the check itself can see a page that is too wide


def test_a_third_speaker_is_explained(sample_outputs):
    page = _sheet(sample_outputs, "cw-02")  # one conversation with an interpreter
    assert 'id="others">I 1 af samtalerne sagde en tredje person' in page
    assert 'id="others"' not in _sheet(sample_outputs, "cw-01")


def test_index_in_chromium(sample_outputs, tmp_path):
    rendered = render(sample_outputs / "sheets" / "index.html", tmp_path / "index.pdf")
    assert rendered.problems == []
    assert all(c in rendered.text for c in CASEWORKERS)
