"""Leftover personal data in a transcript: CPR numbers, phone numbers, e-mail, addresses, names.

Patterns for numbers and e-mail are the same in every language; word lists (first names, street
words) come from configs/personal_data/<lang>.yaml. A finding keeps its kind and position, never
shown to anyone but the caller, so reports can say where without repeating the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pipeline.config import parse_yaml

KINDS = ("cpr", "phone", "email", "address", "names")

_CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?![\d-])")
_PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)45[ -]?)?[2-9]\d(?:[ -]?\d{2}){3}(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_POSTCODE = r"(?:,?\s+\d{4}\s+[A-ZÆØÅ][\wæøå]+)?"


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


class PersonalDataScanner:
    """Finds personal data in text: `scanner.scan("ring på 12 34 56 78")`."""

    def __init__(self, first_names: list[str], street_words: list[str]) -> None:
        names = "|".join(sorted({re.escape(n) for n in first_names}, key=len, reverse=True))
        streets = "|".join(sorted({re.escape(w) for w in street_words}, key=len, reverse=True))
        self._names = re.compile(rf"(?<![\w\[])(?:{names})(?![\w\]])") if names else None
        street_first = rf"\b[A-ZÆØÅ][\wæøåé-]*?(?:{streets})\s+\d{{1,4}}[A-Za-z]?\b{_POSTCODE}"
        number_first = rf"\b\d{{1,4}}[A-Za-z]?\s+(?:[A-Z][\w-]+\s+){{1,3}}(?:{streets.title()})\b"
        self._address = re.compile(f"{street_first}|{number_first}") if streets else None

    @classmethod
    def for_language(cls, config_dir: Path, lang: str) -> PersonalDataScanner:
        return _scanner(config_dir.resolve(), lang)

    def scan(self, text: str, kinds: tuple[str, ...] = KINDS) -> list[Finding]:
        found: list[Finding] = []
        if "cpr" in kinds:
            found += [Finding("cpr", *m.span()) for m in _CPR.finditer(text) if _is_cpr(m)]
        if "phone" in kinds:
            taken = [(f.start, f.end) for f in found]
            found += [
                Finding("phone", *m.span())
                for m in _PHONE.finditer(text)
                if not any(s <= m.start() < e for s, e in taken)
            ]
        if "email" in kinds:
            found += [Finding("email", *m.span()) for m in _EMAIL.finditer(text)]
        if "address" in kinds and self._address:
            found += [Finding("address", *m.span()) for m in self._address.finditer(text)]
        if "names" in kinds and self._names:
            found += [Finding("names", *m.span()) for m in self._names.finditer(text)]
        return sorted(found, key=lambda f: f.start)


def _is_cpr(match: re.Match[str]) -> bool:
    """A CPR number only where the first six digits are a real date (ddmmyy)."""
    day, month, year = (int(g) for g in match.groups()[:3])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


@lru_cache(maxsize=8)
def _scanner(config_dir: Path, lang: str) -> PersonalDataScanner:
    path = config_dir / "personal_data" / f"{lang}.yaml"
    lists = parse_yaml(path.read_text(encoding="utf-8")) if path.exists() else {}
    return PersonalDataScanner(lists.get("first_names", []), lists.get("street_words", []))
