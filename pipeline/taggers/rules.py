"""Rules on lexicon patterns: what the patterns alone say, unit by unit, with their evidence.

This is the `rules` backend, and its decisions are features of the model backend. Every rule
names the lexicon groups it reads (configs/lexicons/<lang>.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.nlp.pack import Hit, Unit

QUESTION_GROUPS = ("open_wh", "fact_wh", "verb_first", "narrative_invite", "thoughts_invite",
                   "tag_question", "permission", "check_understanding", "either_or")  # fmt: skip
OPEN_GROUPS = ("narrative_invite", "thoughts_invite")
ANYWHERE_GROUPS = ("tag_question", "narrative_invite", "either_or")  # count wherever they stand
CLOSED_GROUPS = ("fact_wh", "tag_question", "permission", "check_understanding", "either_or")
INPUT_GROUPS = ("advice", "instruction", "information", "decision")
BECOMER_GROUPS = ("system_agent", "deficit")
BEING_GROUPS = ("view_ask", "acknowledge", "choice", "joint_planning")
AGENTIVE_GROUPS = ("agentive_initiative", "agentive_desire", "agentive_ability",
                   "agentive_choice", "agentive_resistance", "agentive_expertise")  # fmt: skip
NON_AGENTIVE_GROUPS = ("passive_self", "others_decide", "obligation", "helpless")


@dataclass(frozen=True)
class Decision:
    label: str
    evidence: tuple[Hit, ...] = ()


class Rules:
    """Decisions from a unit's pattern hits; the words themselves live in the lexicons."""

    def question(self, unit: Unit) -> Decision:
        hits = [h for h in unit.hits if h.group in QUESTION_GROUPS]
        starts = [h for h in hits if h.at_start or h.group in ANYWHERE_GROUPS]
        if not starts:  # "Så den dag, hvad tænkte du?"
            starts = [h for h in hits if h.at_clause]
        if unit.has("reflection_opener") and unit.question_mark and not starts:
            return Decision("closed", tuple(unit.evidence("reflection_opener")))
        wh_without_mark = unit.has("open_wh") and unit.second_person
        if not (
            unit.question_mark or (starts and (wh_without_mark or not _only(starts, "open_wh")))
        ):
            return Decision("none")
        open_hits = [h for h in starts if h.group in OPEN_GROUPS]
        if open_hits:
            return Decision("open", tuple(open_hits))
        opening = [h for h in starts if h.group == "open_wh"]
        if opening and not any(h.group == "fact_wh" for h in starts):
            return Decision("open", tuple(opening))
        closed = [h for h in starts if h.group in (*CLOSED_GROUPS, "verb_first")]
        return Decision("closed", tuple(closed))

    def reflection(self, unit: Unit, question: str) -> Decision:
        if question == "none" and (hits := unit.evidence("reflection_opener")):
            return Decision("yes", tuple(hits))
        return Decision("no")

    def input(self, unit: Unit, question: str) -> Decision:
        if question == "none" and (hits := unit.evidence(*INPUT_GROUPS)):
            return Decision("yes", tuple(hits))
        return Decision("no")

    def framing(self, unit: Unit) -> Decision:
        becomer = unit.evidence(*BECOMER_GROUPS)
        if not unit.has("legal_frame"):
            becomer += unit.evidence("demand")
        if becomer:
            return Decision("becomer", tuple(becomer))
        if being := unit.evidence(*BEING_GROUPS):
            return Decision("being", tuple(being))
        return Decision("neutral")

    def agency(self, unit: Unit) -> Decision:
        if hits := unit.evidence(*AGENTIVE_GROUPS):
            return Decision("agentive", tuple(hits))
        if hits := unit.evidence(*NON_AGENTIVE_GROUPS):
            return Decision("non_agentive", tuple(hits))
        return Decision("neutral")

    def unit(self, unit: Unit, role: str) -> dict[str, Decision]:
        """Every decision for one unit of a speaker in `role`."""
        if role == "citizen":
            return {"agency": self.agency(unit)}
        if role != "caseworker":
            return {}
        question = self.question(unit)
        return {
            "question": question,
            "reflection": self.reflection(unit, question.label),
            "input": self.input(unit, question.label),
            "framing": self.framing(unit),
        }


def _only(hits: list[Hit], group: str) -> bool:
    return all(h.group == group for h in hits)
