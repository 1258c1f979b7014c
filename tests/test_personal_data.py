"""The personal-data scan: what it must catch and what it must leave alone."""

from __future__ import annotations

import pytest

from pipeline.io.personal_data import PersonalDataScanner
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def scanner() -> PersonalDataScanner:
    return PersonalDataScanner.for_language(ROOT / "configs", "da")


def kinds(scanner: PersonalDataScanner, text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in scanner.scan(text)]


@pytest.mark.parametrize(
    "text, found",
    [
        ("mit cpr-nummer er 010190-1234", [("cpr", "010190-1234")]),
        ("cpr 2412851234 står i papirerne", [("cpr", "2412851234")]),
        ("ring på 23 45 67 89", [("phone", "23 45 67 89")]),
        ("ring på 23456789", [("phone", "23456789")]),
        ("nummeret er +45 2345 6789", [("phone", "+45 2345 6789")]),
        ("0045 23 45 67 89 virker", [("phone", "0045 23 45 67 89")]),
        ("skriv til bo.hansen@kommune.dk", [("email", "bo.hansen@kommune.dk")]),
        ("jeg bor på Vestergade 12, 8000 Aarhus", [("address", "Vestergade 12, 8000 Aarhus")]),
        ("hun flyttede til Birkevej 4B", [("address", "Birkevej 4B")]),
        ("Mette sagde det til mig", [("names", "Mette")]),
    ],
)
def test_finds_personal_data(scanner, text, found):
    assert kinds(scanner, text) == found


@pytest.mark.parametrize(
    "text",
    [
        "cpr 3213901234 er ikke en dato",  # day 32 does not exist
        "jeg søgte 4 jobs i 2026 og fik 12000 kr",
        "mødet er kl. 10.30 den 12.03.2026",
        "det var [NAVN] fra [VIRKSOMHED], der ringede",
        "jeg er på vej 2 gange om ugen",
        "hans mor og per aftale",  # ordinary words, not names
        "sagsnummer 12345678901",
    ],
)
def test_leaves_ordinary_text_alone(scanner, text):
    assert kinds(scanner, text) == []


def test_cpr_is_not_also_reported_as_a_phone_number(scanner):
    assert [f.kind for f in scanner.scan("010190 1234")] == ["cpr"]
