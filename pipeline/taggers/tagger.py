"""Tag turns: units, labels per unit and per turn, calibrated probabilities and evidence.

`Tagger("da", config, backend="rules" | "model")`. One call tags many turns; the language pack
and the models are loaded once per Tagger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config
from pipeline.nlp.pack import Hit, LanguagePack, TurnAnalysis, Unit
from pipeline.taggers import rules as r
from pipeline.taggers.features import Item
from pipeline.taggers.model import DimensionModel, load_models
from pipeline.taggers.schema import ACT, BY_NAME, act_of, dimensions_for

# Which pattern groups count as evidence for which label.
EVIDENCE = {
    ("question", "open"): (*r.OPEN_GROUPS, "open_wh"),
    ("question", "closed"): (*r.CLOSED_GROUPS, "verb_first", "reflection_opener"),
    ("reflection", "yes"): ("reflection_opener", "second_person_start"),
    ("input", "yes"): r.INPUT_GROUPS,
    ("framing", "becomer"): (*r.BECOMER_GROUPS, "demand"),
    ("framing", "being"): r.BEING_GROUPS,
    ("agency", "agentive"): r.AGENTIVE_GROUPS,
    ("agency", "non_agentive"): r.NON_AGENTIVE_GROUPS,
}
RULES_CALIBRATION = "rules_calibration.json"


class ModelsMissing(Exception):
    """The model backend was asked for, but models/<lang>/ has no trained models."""


@dataclass
class Tagged:
    """One tagged turn: labels, probabilities and evidence per dimension; the same per unit."""

    labels: dict[str, str] = field(default_factory=dict)
    p: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[Hit]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)  # every pattern hit in the turn or unit
    units: list[tuple[Unit, Tagged]] = field(default_factory=list)


class Tagger:
    def __init__(self, lang: str, config: Config, backend: str = "model",
                 models_dir: Path | None = None) -> None:  # fmt: skip
        self.lang = lang
        self.backend = backend
        self.pack = LanguagePack(lang, config.lexicon(lang))
        self.rules = r.Rules(self.pack)
        folder = (models_dir or Path(str(config.get("paths.models", "models")))) / lang
        self.models: dict[str, DimensionModel] = {}
        if backend == "model":
            try:
                self.models = load_models(folder)
            except FileNotFoundError as error:
                raise ModelsMissing(str(folder)) from error
        calibration = folder / RULES_CALIBRATION
        self.calibration = json.loads(calibration.read_text()) if calibration.is_file() else {}

    def tag(self, texts: list[str], roles: list[str], contexts: list[str]) -> list[Tagged]:
        analyses = list(self.pack.analyse(texts))
        tagged = [self._rules_turn(a, role) for a, role in zip(analyses, roles, strict=True)]
        if self.models:
            self._apply_models(analyses, roles, contexts, tagged)
        for turn, role in zip(tagged, roles, strict=True):
            if role == "caseworker":
                _set_act(turn)
                for _, unit in turn.units:
                    _set_act(unit)
        return tagged

    def tag_text(self, text: str, role: str = "caseworker", context: str = "") -> Tagged:
        """Tag one string: `Tagger("da", config).tag_text("Hvad tænker du?")`."""
        return self.tag([text], [role], [context])[0]

    # --- rules ----------------------------------------------------------------------------
    def _rules_turn(self, analysis: TurnAnalysis, role: str) -> Tagged:
        turn = Tagged(hits=[hit for unit in analysis.units for hit in unit.hits])
        for unit in analysis.units:
            decisions = self.rules.unit(unit, role)
            tags = Tagged(
                labels={name: d.label for name, d in decisions.items()},
                evidence={name: list(d.evidence) for name, d in decisions.items()},
                hits=list(unit.hits),
            )
            tags.p = {name: self._rules_p(name, label) for name, label in tags.labels.items()}
            turn.units.append((unit, tags))
        for dimension in dimensions_for(role):
            label = dimension.roll_up([t.labels[dimension.name] for _, t in turn.units])
            turn.labels[dimension.name] = label
            turn.p[dimension.name] = self._rules_p(dimension.name, label)
            turn.evidence[dimension.name] = [
                hit for _, t in turn.units if t.labels.get(dimension.name) == label
                for hit in t.evidence.get(dimension.name, [])
            ]  # fmt: skip
        return turn

    def _rules_p(self, dimension: str, label: str) -> float:
        """How often the rules' label was right on the annotations (from `train`), else NaN."""
        return float(self.calibration.get(dimension, {}).get(label, float("nan")))

    # --- model ----------------------------------------------------------------------------
    def _apply_models(self, analyses: list[TurnAnalysis], roles: list[str],
                      contexts: list[str], tagged: list[Tagged]) -> None:  # fmt: skip
        for name, model in self.models.items():
            dimension = BY_NAME[name]
            rows = [i for i, role in enumerate(roles) if role == dimension.role]
            if not rows:
                continue
            items = [Item(analyses[i], contexts[i], tagged[i].labels) for i in rows]
            unit_items, owners = [], []
            for i in rows:
                for unit, tags in tagged[i].units:
                    unit_items.append(
                        Item(TurnAnalysis(unit.text, [unit]), contexts[i], tags.labels)
                    )
                    owners.append(tags)
            for tags, probabilities in zip([tagged[i] for i in rows], model.proba(items),
                                           strict=True):  # fmt: skip
                self._decide(tags, name, model.labels, probabilities)
            if unit_items:
                for tags, probabilities in zip(owners, model.proba(unit_items), strict=True):
                    self._decide(tags, name, model.labels, probabilities)

    @staticmethod
    def _decide(tags: Tagged, name: str, labels: list[str], probabilities: object) -> None:
        best = int(probabilities.argmax())  # type: ignore[attr-defined]
        label = labels[best]
        tags.labels[name] = label
        tags.p[name] = float(probabilities[best])  # type: ignore[index]
        groups = EVIDENCE.get((name, label), ())
        tags.evidence[name] = [hit for hit in tags.hits if hit.group in groups]


def _set_act(tags: Tagged) -> None:
    tags.labels[ACT.name] = act_of(tags.labels)
    deciding = {"open_question": "question", "closed_question": "question",
                "reflection": "reflection", "input": "input", "other": "question"}  # fmt: skip
    tags.p[ACT.name] = tags.p.get(deciding[tags.labels[ACT.name]], float("nan"))
