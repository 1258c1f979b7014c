"""The tag dimensions of the codebook (sections 2-4), their labels and roll-up order."""

from __future__ import annotations

from dataclasses import dataclass

EVIDENCE_SEPARATOR = " | "  # between the evidence phrases of one tag


@dataclass(frozen=True)
class Dimension:
    name: str
    role: str  # the speaker role the dimension applies to
    labels: tuple[str, ...]  # in roll-up order: a turn takes the first label any unit has

    def roll_up(self, unit_labels: list[str]) -> str:
        present = set(unit_labels)
        return next((label for label in self.labels if label in present), self.labels[-1])


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("question", "caseworker", ("open", "closed", "none")),
    Dimension("reflection", "caseworker", ("yes", "no")),
    Dimension("input", "caseworker", ("yes", "no")),
    Dimension("framing", "caseworker", ("becomer", "being", "neutral")),
    Dimension("agency", "citizen", ("agentive", "non_agentive", "neutral")),
)
BY_NAME = {d.name: d for d in DIMENSIONS}
BOOLEAN = ("reflection", "input")  # written as True/False in the turn and unit tables

# The caseworker's main act per unit and its roll-up to the turn (CODEBOOK section 2).
ACTS = ("open_question", "closed_question", "reflection", "input", "other")
ACT = Dimension("act", "caseworker", ACTS)


def act_of(labels: dict[str, str]) -> str:
    """One unit's main act from its question, reflection and input labels."""
    if labels.get("question") == "open":
        return "open_question"
    if labels.get("question") == "closed":
        return "closed_question"
    if labels.get("reflection") == "yes":
        return "reflection"
    if labels.get("input") == "yes":
        return "input"
    return "other"


def dimensions_for(role: str) -> tuple[Dimension, ...]:
    return tuple(d for d in DIMENSIONS if d.role == role)
