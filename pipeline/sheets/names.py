"""File names for sheets: one per caseworker, safe on every file system, never colliding."""

from __future__ import annotations

import re

RESERVED = {"index"}


def safe_name(name: str) -> str:
    """Letters, digits, '-', '_' and '.' kept, anything else '_' (no folders, no '..')."""
    cleaned = re.sub(r"[^\w.-]", "_", name).strip("._")
    return cleaned or "_"


def sheet_names(caseworker_ids: list[str]) -> dict[str, str]:
    """caseworker id -> '<safe id>.html', with a number added where two ids would collide."""
    names: dict[str, str] = {}
    taken = set(RESERVED)
    for caseworker_id in caseworker_ids:
        stem = safe_name(caseworker_id)
        candidate, n = stem, 2
        while candidate.casefold() in taken:
            candidate, n = f"{stem}-{n}", n + 1
        taken.add(candidate.casefold())
        names[caseworker_id] = f"{candidate}.html"
    return names
